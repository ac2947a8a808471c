"""MaintAInPro platform: one stack = one environment. Validate the config, then build `Platform`."""

import pulumi

from components.config import ConfigError
from components.platform import Platform, PlatformArgs
from components.runtime_config import deploy_token, now, platform_repo_token, program_config

try:
    config = program_config()
    clock = now()
    token = deploy_token()
    repo_token = platform_repo_token(config)
except ConfigError as error:
    # RunError prints the message without a traceback, before any resource is registered.
    raise pulumi.RunError(str(error)) from None

platform = Platform(f"maintainpro-{config.environment}", PlatformArgs(config=config, now=clock, deploy_token=token,
                                                                         platform_repo_token=repo_token))
for key, value in platform.stack_outputs.items():
    pulumi.export(key, value)
