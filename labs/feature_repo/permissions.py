"""Who may do what on the cohort's Feast feature server (enforced by `feast serve` with OIDC).

- IdP group `learners` (token claim `groups`): READ (online and offline) and DESCRIBE everything,
  so POST /get-online-features works for learners.
- role `feast-writer` (token claim `roles`; the cohort's Cognito trigger gives it to the
  `instructors` group): every action, including WRITE_ONLINE for /push, /write-to-online-store and
  /materialize.

Feast decides AFFIRMATIVE: one permission that grants is enough.

Two traps in Feast 0.67 this file avoids on purpose:
- never `policy=AllowAll`: it serialises to an empty PolicyProto that Feast cannot read back
  ("The list 'policy' must be non-empty"), which breaks every later registry read;
- never zero Permission objects: with none defined, any authenticated user gets FULL access,
  writes included.
"""

from feast.feast_object import ALL_RESOURCE_TYPES
from feast.permissions.action import ALL_ACTIONS, READ, AuthzedAction
from feast.permissions.permission import Permission
from feast.permissions.policy import GroupBasedPolicy, RoleBasedPolicy

LEARNERS_GROUP = "learners"
WRITER_ROLE = "feast-writer"

learners_read = Permission(
    name="learners-read",
    types=ALL_RESOURCE_TYPES,
    policy=GroupBasedPolicy(groups=[LEARNERS_GROUP]),
    actions=[*READ, AuthzedAction.DESCRIBE],
)

writers_all = Permission(
    name="writers-all",
    types=ALL_RESOURCE_TYPES,
    policy=RoleBasedPolicy(roles=[WRITER_ROLE]),
    actions=ALL_ACTIONS,
)
