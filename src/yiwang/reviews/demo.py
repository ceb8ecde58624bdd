"""The demo rubric for 现场教学精品课 (idempotent)."""

from yiwang.accounts.models import User
from yiwang.network.models import School

from .enums import RubricPurpose
from .models import Rubric
from .services import create_rubric

COURSE_RUBRIC = "现场教学精品课评审量表"
COURSE_INDICATORS = [
    ("政治性与思想性", 20, "政治立场正确，思想内涵深刻"),
    ("主题鲜明", 15, "主题突出，紧扣教学模块"),
    ("广味/地方特色", 15, "体现广州地方特色和资源"),
    ("现场教学设计", 20, "流程合理，讲、看、议、悟结合"),
    ("解说词质量", 20, "准确、生动、有感染力"),
    ("学员评价", 10, "试讲学员评课结果"),
]


def load(*, scale: int = 0, log) -> None:
    gz = School.objects.filter(code="gz").first()
    if gz is None:
        return
    if Rubric.objects.filter(owner_school=gz, name=COURSE_RUBRIC).exists():
        log.count(False)
        return
    create_rubric(
        by=User.objects.filter(username="gz-staff").first(),
        school=gz,
        name=COURSE_RUBRIC,
        purpose=RubricPurpose.COURSE,
        description="合备一门课评审用：六项指标，各 0–10 分，按权重折合百分制。",
        indicators=[
            {"name": name, "weight": weight, "min_score": 0, "max_score": 10, "description": hint}
            for name, weight, hint in COURSE_INDICATORS
        ],
    )
    log.count(True)
