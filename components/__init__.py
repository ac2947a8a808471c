"""Pulumi component resources of the MaintAInPro platform and its stack configuration model."""
