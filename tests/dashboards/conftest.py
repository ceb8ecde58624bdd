"""What the boards' tests share: the viewers every exactness test looks through."""

from tests.factories import member, platform_admin


def viewers(network) -> list:
    """One of each kind of viewer: the platform's system admin, the city school's staff, a branch
    school's teacher, a far school's research staff (another system), a partner (support
    partnership) and a stranger (a school of no system, alliance or partnership of the city)."""
    return [
        platform_admin("system"),
        member(network.city, is_teaching_staff=True, is_research_staff=True),
        member(network.branch_a, is_teacher=True),
        member(network.far, is_research_staff=True),
        member(network.partner, is_teaching_staff=True),
        member(network.stranger, is_teacher=True),
    ]
