"""PermissionsAndPolicies (Trenova's base/01_permissions_and_policies.go): a placeholder.

The Go seed is intentionally empty: Trenova creates policies and roles per
business unit, so they come with the base seed AdminAccount once the business
unit exists. It is kept, with its name and version, so the history the Go tool
recorded for it is recognised and seeds that list it keep their order.
"""

from trenova_db import Environment
from trenova_db.seeding import BaseSeed, SeedContext


class PermissionsAndPoliciesSeed(BaseSeed):
    name = "PermissionsAndPolicies"
    version = "1.0.0"
    description = "Creates permissions and policies data"
    environments = (
        Environment.PRODUCTION,
        Environment.STAGING,
        Environment.DEVELOPMENT,
        Environment.TEST,
    )
    depends_on = ()

    async def run(self, ctx: SeedContext) -> None:
        # Nothing to write: see AdminAccount (System Admin Policy, Administrator role).
        return None
