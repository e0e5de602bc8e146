"""Who is acting: the signed-in user as the business services see them."""
from dataclasses import dataclass

from models import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: Role
    branch_id: int | None
    sees_all_branches: bool
    agent_id: int | None
    branch_code: str | None = None  # the live desk names branches by code

    def may_see_branch(self, branch_id: int | None) -> bool:
        return self.sees_all_branches or (branch_id is not None and branch_id == self.branch_id)

    def may_see_branch_code(self, code: str | None) -> bool:
        return self.sees_all_branches or (code is not None and code == self.branch_code)

    def administers(self, branch_id: int | None) -> bool:
        """A headquarters administrator administers everything (`branch_id` None: what is
        every branch's); a branch's administrator (or a branch's admin) its own branch."""
        if self.role == Role.ADMIN and self.sees_all_branches:
            return True
        return (self.role in (Role.ADMIN, Role.BRANCH_ADMIN) and branch_id is not None
                and branch_id == self.branch_id)
