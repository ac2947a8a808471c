"""The MaintAInPro CrossGuard policy pack: policies importable without starting the policy server."""
