"""The detectors: AI skill, degree, salary. Each is a versioned set of Polars expressions.

All three read the normalised text (``_t``, see :func:`neijuan.ads.text.normalised`) and keep their
evidence: the matched spans (AI skill), the clauses that decided the degree, and the salary expression
that was parsed. Everything is vectorised (Rust regex inside Polars); nothing loops over rows in
Python. ``docs/ads.md`` states the rules in words, with the cases they get wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from neijuan.ads.fx import reference_currency, to_reference
from neijuan.ads.taxonomy import Taxonomy

# Bump a detector's version whenever its rules change; outputs and summaries record it.
AI_SKILL_VERSION = "2.6.0"
DEGREE_VERSION = "1.3.0"
SALARY_VERSION = "2.0.0"

DEGREE_LEVELS = ["none", "associate", "bachelor", "master", "phd"]
DEGREE_STRENGTHS = ["none", "required", "preferred", "alternative", "not_required"]
SALARY_PERIODS = ["hour", "day", "week", "biweek", "month", "year"]

# --------------------------------------------------------------------------------------------------
# AI skill


_EMPTY = pl.lit([], dtype=pl.List(pl.String))


AI_COLUMNS = ["ai_skill", "ai_skill_specialist", "ai_skill_tool", "ai_skill_preferred",
              "ai_specialist_evidence", "ai_tool_evidence", "ai_judged_clauses"]
DEGREE_COLUMNS = ["degree_level", "degree_strength", "degree_mentioned", "degree_required",
                  "degree_evidence"]
SALARY_COLUMNS = ["salary_min", "salary_max", "salary_currency", "salary_period", "salary_months",
                  "salary_annual_min", "salary_annual_max", "salary_ref_currency",
                  "salary_annual_min_ref", "salary_annual_max_ref", "salary_ote", "salary_status",
                  "salary_evidence"]

# The scope of a statement is its clause: a line, a sentence (a dot counts only before whitespace,
# so "gpt-4.5" and "e.g.," stay whole), a semicolon, a bullet, or a Chinese list item ("；4、").
_AI_CLAUSE = r"(?:[^\n。；;!?！？•.]|\.[^\s])+"
_ZH_ITEM = r"([\p{Han}，,：:）)])\s*(\d{1,2}\s*[、．.）)]\s*\D)"
# 2.4.0: a hyphen used as a bullet after Chinese text ("…服务端- 维护…") starts an item too, so that a
# term in one item is not read together with a noun of the next (an ML item followed by an item
# about a product is no "AI product").
_ZH_DASH_ITEM = r"([\p{Han}，,：:）)])[ \t]*-[ \t]+"
# 2.3.0: a section heading starts a clause even when the board glued it to the text before it
# ("…技能要求：<tags>岗位职责：1、…"), so that a heading's words never join the clause before it.
_ZH_ROLE_HEADING = (
    r"岗位职责|工作职责|职位职责|岗位描述|职位描述|职责描述|工作内容|任职要求|任职资格|岗位要求|职位要求|"
    r"任职条件|技能要求|应聘要求|招聘要求|我们希望你|加分项"
)
_ZH_HEADING = rf"({_ZH_ROLE_HEADING})"
# 2.3.0: a company section ("公司简介", "公司介绍", "关于我们" …) runs to the next role heading (or
# recruiting or application heading, or a numbered item "1、"), or to the end of the ad: it describes
# the company, not the role, and is dropped before the clauses are cut (awards, products and
# achievements listed there are not requirements). Written without captures or lazy repetition, so
# that it runs as a DFA: the section stops at the first two characters that could start a heading
# (岗位, 职位, 职责, 任职, 技能, 应聘, 招聘, 加分, 工作职责/内容) or at a number followed by 、 or a dot
# and no digit (a version such as "2.0" does not stop it).
_ZH_COMPANY_SECTION = (
    r"(?:公司简介|公司介绍|企业简介|企业介绍|集团简介|集团介绍|公司概况|关于我们|公司信息|企业信息)"
    r"(?:[^岗职任技应招加工0-9]|岗[^位]|职[^位责]|任[^职]|技[^能]|应[^聘]|招[^聘]|加[^分]|工[^作]"
    r"|工作[^职内]|[0-9]+(?:[^、．.0-9]|[.．][0-9]))*"
)
# 2.6.0: an unheaded opening that describes the company or its team (a team that 致力 builds a
# platform covering some AI fields, a group and its 旗下 subsidiaries) before the first heading of
# the role's own duties or requirements is a company section too: it is dropped when it names the
# company in its first 80 characters and asks the candidate nothing. The board's generic "职位描述"
# prefix and its keyword field (技能要求) do not end the opening; an ad with no such heading is not
# affected.
_ZH_DUTY_HEADING = (
    r"岗位职责|工作职责|职位职责|岗位描述|职责描述|工作内容|任职要求|任职资格|岗位要求|职位要求|"
    r"任职条件|应聘要求|招聘要求|我们希望你|职责[：:]|要求[：:]"
)
_ZH_COMPANY_OPENING = (
    r"团队致力|致力于|我们致力|公司|集团|旗下|成立于|总部|已成为"
)
_ZH_OPENING_WINDOW = 80  # the company must be named near the start of the opening
_ZH_OPENING_ASKS = (
    r"熟悉|掌握|精通|了解|经验|负责|优先|任职|招聘|诚聘|招募|你|您|应届|学历|本科|专科"
)
# A clause that says the skill is not needed, or that AI is not used ("AI/ML experience is not
# required", "no ... needed", "we do not use AI to screen", "无需…经验").
_AI_NEGATED = (
    r"(?i)(?-u:\b)(?:(?:is|are)\s+not\s+(?:a\s+)?(?:required|needed|necessary|expected|essential|"
    r"mandatory|requirement|prerequisite|must)|not\s+(?:required|needed|necessary|mandatory|"
    r"essential|a\s+requirement|a\s+prerequisite)|(?:no|without)\s+(?:[\w/+.-]+\s+){0,6}?"
    r"(?:required|needed|necessary)|(?:do|does|did|will)\s+not\s+(?:use|utili[sz]e|rely|employ|"
    r"involve)|(?:don't|doesn't|won't)\s+(?:use|utili[sz]e|rely|employ)|never\s+use[sd]?)(?-u:\b)"
    r"|不需要|无需|不要求|不必|非必须|非必需|不需具备|不用会|零基础"
)
# An optional statement: kept as evidence, but the ad's AI skill is then only preferred.
_AI_OPTIONAL = (
    r"(?i)(?-u:\b)(?:assets?|nice[- ]to[- ]have|a\s+plus|preferred|preferably|preference|"
    r"desirable|desired|advantage(?:ous)?|bonus|ideally|would\s+be\s+(?:great|helpful|beneficial)|"
    r"optional)(?-u:\b)|优先|加分|更佳|最好|者佳|为佳|尤佳"
)
# Clauses about the hiring process or about the company, not the role: their AI words are not a
# requirement unless the clause also speaks of the candidate's skills or duties.
_AI_RECRUITING = (
    r"(?i)(?-u:\b)(?:recruit[a-z]*|hiring\s+(?:process|decisions?)|applicants?|job\s+applications?|"
    r"screen(?:ing)?\s+(?:of\s+)?(?:resumes|applications|candidates)|select(?:ion\s+of)?\s+"
    r"(?:applicants|candidates))(?-u:\b)|招聘流程|筛选简历"
)
_AI_COMPANY = (
    r"(?i)(?-u:\b)(?:we\s+are|we're|we\s+stand\s+as|stands\s+as|"
    r"we\s+(?:build|develop|deliver|help|use|leverage|create|offer|provide)|our\s+(?:company|mission|platform|products?|clients|customers|solutions?|technology|"
    r"vision|goal|purpose)|about\s+us|who\s+we\s+are|is\s+(?:a|the)\s+(?:leading|global|"
    r"fast-growing|growing|world|foremost)|leading\s+(?:provider|platform|company|supplier)|"
    r"founded|headquartered)(?-u:\b)|公司(?:是|专注|致力|成立|简介|介绍|主要|为|打造|推出|拥有|自主研发)|我们(?:是|专注|致力)|本公司|"
    r"公司简介|公司介绍|"
    # 2.6.0: statements of the company's business and record, wherever they stand in the ad
    r"主营业务|主营产品|经营范围|业务涵盖|科研成果|取得(?:了)?重大突破|集团内|旗下(?:拥有|子公司)"
)
# 2.2.0: a clause that sells a career rather than describing the role (training-centre ads): the AI
# job market's hype, a talent shortage, pay said to come easily, universities only now opening AI
# programmes, the next gold rush. Its AI words are not a requirement unless the clause also speaks of
# the candidate. (Examples in the tests are written for them, not taken from ads.)
_AI_MARKET = (
    r"(?i)(?-u:\b)(?:talent|skills?) (?:shortage|gap)|(?:ai|artificial intelligence) (?:boom|gold rush|"
    r"revolution is)|(?:earn|salaries|salary|pay) (?:of )?(?:easily |up to )(?:[$£€]|\d)|six-figure"
    r"(?-u:\b)|风口|淘金|火爆|人才(?:的)?(?:严重)?(?:缺口|短缺|匮乏|紧缺|稀缺)|"
    r"(?:月薪|年薪|起薪|薪资|薪酬|工资)[^，。；\n]{0,8}?(?:轻松|高达|可达|就可以|可以拿到|过万|百万)|"
    r"年薪百万|开设[^，。；\n]{0,8}?专业|(?:人工智能|ai)的天下|被(?:人工智能|ai)(?:所)?(?:替代|取代)|"
    r"时代(?:刚刚)?(?:拉开帷幕|来临|已经到来|到来)"
)
# 2.3.0: clauses that are about something other than the role's requirements even though they name
# AI: an opportunity or perk offered ("有机会接触…", "we can explore … together", "the chance to
# learn"), or course advertising (a training centre selling a course to trainees: what they will
# learn, tuition, job placement after training). Their matches count only when the clause also asks
# the candidate for a skill (:data:`_AI_ASKS`; a duty word such as "负责" is not enough here). A
# lecturer asked to teach AI is not course advertising: teaching a subject asks for it.
_AI_OPPORTUNITY = (
    r"(?i)(?-u:\b)(?:opportunit(?:y|ies) to|chance to|you(?:'ll| will) (?:learn|get to)|"
    r"learn about|perks?)(?-u:\b)|有机会|机会(?:接触|参与|学习)|"
    r"(?:可以|能够)(?:一起|共同)?(?:探索|学习|接触)|一起探索|共同探索|职位诱惑|职位亮点|你将(?:学习|接触|有机会)|学习机会"
)
_AI_COURSE = (
    r"(?i)(?-u:\b)(?:(?:trainees|students|participants) will learn|tuition|course (?:covers|includes)|"
    r"job placement)(?-u:\b)|学费|包就业|推荐就业|安排就业|零基础|0基础|结业|带薪培训|岗前培训|免费培训|"
    r"培训合格|培训后|培训期间|培训内容|学成|学员将|学员可|招收学员|招募学员"
)
# Interest is not a skill: "对机器学习有浓厚兴趣" names no ability; it counts with a skill asked
# or a duty on the same clause ("…感兴趣，参与AI项目").
_AI_INTEREST = (
    r"(?i)(?-u:\b)(?:interest(?:ed)? in|passion(?:ate)? (?:about|for)|enthusias[a-z]*|curious|"
    r"curiosity|keen (?:on|to learn)|eager to learn)(?-u:\b)|感兴趣|兴趣|好奇|热爱|向往"
)
_AI_DUTY = (
    r"(?i)(?-u:\b)(?:you will|responsib[a-z]*|participate in|contribute to)(?-u:\b)|参与|负责|承担"
)
_AI_ASKS = (
    r"(?i)(?-u:\b)(?:experience[ds]?|familiar[a-z]*|proficien[a-z]*|knowledge|skills?|expertise|"
    r"understanding of|background in|ability to|required|requirements?|must|qualifications?)"
    r"(?-u:\b)|熟悉|掌握|精通|了解|熟练|经验|经历|能力|技能|知识|要求|具备|具有|功底|背景|擅长"
)
_AI_ROLE = (
    r"(?i)(?-u:\b)(?:you\s+will|you'll|you\s+have|your|experience\s+(?:with|in|using)|knowledge\s+of|"
    r"familiar[a-z]*|proficien[a-z]*|skills?|ability\s+to|responsib[a-z]*|must|required|"
    r"requirements?|qualifications?|the\s+candidate|successful\s+candidate)(?-u:\b)|熟悉|掌握|了解|"
    r"精通|负责|要求|经验|能力|任职|岗位职责"
)


# 2.6.0: an ad for a freelance or part-time trainer or consultant (讲师, 培训师, 技术咨询) that lists
# the many subjects one may teach or consult on ("…、hadoop、spark、…、机器学习、…"): a clause with ten
# or more list separators in such an ad is a menu of possible topics, not the role's requirement
# (the labels' reading rule; a lecturer asked to teach AI names it in a short list and still counts).
_TRAINER_AD = r"讲师|培训师|技术咨询|咨询顾问"
_LONG_LIST = r"[,，、/／]"
_LONG_LIST_MIN = 10
# 2.6.0: preferred experience of building AI products, systems or their back or front ends ("AI后台
# 方向的开发经验优先", "AI类系统的项目开发经验") asks no AI skill of a developer (the labels'
# reading rule: the product, not a skill); only in an optional clause, and only that match.
_AI_PRODUCT_EXPERIENCE = (
    r"(?i)^(?:人工智能|(?-u:\b)ai(?-u:\b))[^，。；\n]{0,3}?(?:产品|系统|后台|后端|前端|平台)"
)
# What makes the rules unsure of a clause (see :func:`ai_clauses`): the evidence is only a generic
# word ("AI", "人工智能", "artificial intelligence") or a bare "算法工程师" (operations research and
# robotics use it too); a field of study ("机器学习等相关专业"); an interest rather than a skill.
_AI_GENERIC_ONLY = (
    r"(?i)^(?:[^a-z\p{Han}]*(?:(?-u:\b)ai(?-u:\b)|a\.i\.|artificial intelligence|人工智能|智能)"
    r"|(?:[^\n]*?(?:(?-u:\b)ai(?-u:\b)|人工智能)[^\n]*)|算法(?:工程师|研究员|专家|实习生))$"
)
_AI_FIELD_OF_STUDY = r"(?i)专业|(?-u:\b)(?:degree|major|diploma)\s+in(?-u:\b)"
# 2.2.0: a bare "算法工程师" (algorithm engineer, researcher, expert, intern) is AI skill only when the
# ad does not name non-ML algorithm work instead: robotics and navigation (SLAM, path planning,
# localisation, ROS, sensor fusion, kinematics), control (PID, servo, motion control), operations
# research (scheduling, combinatorial or integer optimisation, solvers), signal processing, codecs,
# cryptography. An ad that names any AI/ML term is not affected.
# 2.5.0: so is a bare "语音算法" / "音频算法" (speech or audio algorithm; also as a title): echo
# cancellation, noise reduction and beamforming are signal processing, not recognition.
_BARE_ALGORITHM_TITLE = (
    r"^(?:(?:语音|音频)\s?算法(?:工程师|研究员|专家|实习生)?|算法(?:工程师|研究员|专家|实习生))$"
)
# 2.5.0: a bare "算法工程师" in the text of an ad whose title names no algorithm role is someone
# else: the colleagues the role works with or for ("协助算法工程师…", "实现算法工程师设计的…"), or
# another role of a list. The role is the title's; an ad without a title is not affected.
_BARE_ALGORITHM_ROLE = r"^算法(?:工程师|研究员|专家|实习生)$"
_ALGORITHM_COLLEAGUE = (pl.col("_tt").str.strip_chars().str.len_chars() > 0) & ~pl.col(
    "_tt").str.contains("算法")
# 2.5.0: a bare "视觉算法" / "图像算法" (vision or image algorithm, also as a title) over classic
# machine vision (industrial cameras and calibration, measuring and locating parts with Halcon,
# VisionPro or OpenCV) is image processing, not machine learning: an ad that names any other AI/ML
# term is not affected.
_BARE_VISION_ALGORITHM = r"^(?:视觉|图像)\s?算法(?:工程师|研究员|专家|实习生)?$"
_MACHINE_VISION = (
    r"(?i)(?-u:\b)(?:halcon|visionpro|opencv|evision|mil)(?-u:\b)|机器视觉|工业相机|相机标定|"
    r"视觉定位|视觉检测|视觉测量|尺寸测量|图像处理"
)
# 2.3.0: the bare word "AI" in an ad about making games (a game engine, 游戏): game AI, unless a
# match also names machine learning.
_BARE_AI_WORD = r"(?i)(?-u:\b)ai(?-u:\b)"
_ML_WORD = r"(?i)人工智能|机器学习|深度学习|神经网络|强化学习|模型|算法|learning|neural|model"
_GAME_DEVELOPMENT = (
    r"(?i)游戏|(?-u:\b)(?:unity(?:3d)?|u3d|unreal|ue4|ue5|cocos(?:2d|creator)?|games?|gaming|"
    r"gameplay)(?-u:\b)"
)
_NON_ML_ALGORITHM = (
    r"(?i)(?-u:\b)(?:slam|ros|pid|dsp|mpc|cplex|gurobi|or-tools)(?-u:\b)|激光导航|惯性导航|惯导|组合导航|"
    r"路径规划|运动规划|轨迹规划|定位算法|多传感器融合|卡尔曼|运动学|动力学|运动控制|控制算法|自动控制|伺服|"
    r"电机控制|运筹|组合优化|线性规划|整数规划|混合整数|调度算法|排程|排班算法|求解器|启发式算法|"
    r"信号处理|通信算法|雷达|编解码|视频编码|音频编码|加密算法|密码算法|"
    # 2.5.0: remote sensing, satellite navigation, geometry and graphics, bioinformatics
    r"遥感|卫星导航|(?-u:\b)(?:gnss|rtk)(?-u:\b)|几何算法|计算几何|图形学|生物信息|"
    # 2.6.0: trading algorithms (quantitative trading strategies, order execution)
    r"量化交易|交易策略|下单算法|高频交易|"
    r"path planning|motion planning|motion control|control algorithms?|control theory|"
    r"operations research|combinatorial optimi[sz]ation|(?:integer|linear) programming|"
    r"signal processing"
)


# 2.3.0: knowing or having used AI products is a skill asked of the candidate ("熟悉AI类的产品",
# "熟悉主流AI对话产品"), even though the exclusion step reads "AI … 产品" as a company's product: in a
# clause the exclusion touched, this phrase is kept as tool evidence (not when the product is the
# company's own: "熟悉公司AI产品" is a sales duty).
_AI_KNOWS_PRODUCT = (
    r"(?i)(?:熟悉|了解|掌握|精通|懂|使用过|用过|体验过)[^，。；\n公司我本]{0,6}?"
    r"(?:人工智能|(?-u:\b)ai(?-u:\b))[^，。；\n]{0,6}?(?:产品|应用|工具)|"
    r"(?-u:\b)(?:experience (?:with|using)|knowledge of)\s+(?:[a-z-]+\s+){0,2}?"
    r"(?:ai|genai|generative ai)[- ](?:[a-z-]+\s+){0,1}?(?:products?|applications|apps)(?-u:\b)"
)
# 2.3.0: likewise experience or results in an AI field asked of the candidate ("在深度学习领域有
# 研究经验", "人工智能方向的项目经历"), which the exclusion step reads as an "AI 领域" (the field as
# an industry): kept as specialist evidence in a clause the exclusion touched.
_AI_FIELD_WORK = (
    r"(?i)(?:人工智能|机器学习|深度学习|大模型|计算机视觉|自然语言处理|(?-u:\b)ai(?-u:\b))"
    r"[^，。；\n]{0,12}?(?:领域|方向)(?:[^，。；\n]{0,4}?有[^，。；\n]{0,10}?|的[^，。；\n]{0,3}?)"
    r"(?:经验|经历|背景|成果)"
)
# 2.4.0: "人工智能" as an item of a list of technologies ("熟悉云计算、人工智能、物联网等",
# "涵盖检索或人工智能等模块"; a taxonomy phrase) counts only in a clause that asks a skill
# or names a duty of the role, and not where the list is of interests, things to learn,
# industries or majors ("对…人工智能…有兴趣", "学习…人工智能等技能", "人工智能等产业").
_AI_LIST_ITEM = r"(?:[、/／]|或)\s?人工智能\s?(?:[、/／]|或|等)"
_AI_LIST_ASIDE = r"兴趣|学习|产业|行业|专业"
# 2.3.0: an ad whose whole text is a short run of keyword tags ("<industry><skill><skill>", no
# sentence, no punctuation, no function words: how some boards list a job's keywords) names the
# role's skills, so a bare "人工智能" / "AI" tag there counts as a (generic) specialist term.
_TAG_TEXT = r"^\s*[\p{Han}A-Za-z0-9+#/ .-]{2,40}\s*$"
_TAG_FUNCTION = r"的|负责|熟悉|掌握|了解|要求|需要|能够|进行|参与|以上|我们|公司|岗位|职位"
_TAG_AI = r"(?i)人工智能|(?-u:\b)ai(?-u:\b)"
# 2.6.0: the board's keyword field (技能要求：<tags>) glued before the role's headings is such a run of
# tags too, in an ad of any length: a bare "人工智能" / "AI" tag there counts the same way.
_TAG_FIELD_HEAD = r"^\s*技能要求\s?[：:]?\s?"
_TAG_FIELD_CUE = (
    r"(?i)技能要求\s?[：:]?\s?[\p{Han}A-Za-z0-9+#/ .-]{0,40}?(?:人工智能|(?-u:\b)ai(?-u:\b))"
)
_TAG_FIELD = r"^\s*技能要求\s?[：:]?\s?[\p{Han}A-Za-z0-9+#/ .-]{2,40}\s*$"


def ai_clauses(work: pl.DataFrame, tax: Taxonomy) -> pl.DataFrame:
    """The clauses of candidate ads that hold an AI term, one row each, with what the rules make
    of them (``work`` needs ``_rid``, ``_t``, ``_tt`` and ``lang``).

    Columns: ``_rid``, ``_c`` (the clause), ``lang``, ``_spec``/``_tool`` (the taxonomy's matches
    after the exclusion step), ``_excluded`` (the exclusion step removed something), ``_keep`` (the
    rules' decision: not negated, not about the hiring process or the company unless the clause
    also speaks of the candidate), ``_firm`` (not optional), and ``_unsure`` with its ``_why``: the
    rules' decision rests on a scope word (``scope``: negation, company, hiring process), on an
    exclusion in a clause that speaks of the candidate (``excluded_with_role``), on a generic word
    or a bare "算法工程师" alone (``generic``), or on a field of study (``field_of_study``). A
    learned judge may decide the first two kinds (:func:`ai_skill`).
    """
    t, title = pl.col("_t"), pl.col("_tt").fill_null("")

    def has(pattern: str) -> pl.Expr:
        return t.str.contains(pattern) | title.str.contains(pattern)

    # Candidates, eagerly: the Chinese test runs on the Chinese rows only (a filter, since a
    # when/then would still evaluate the regex on every row).
    en_rids = work.filter(has(tax.candidate["en"]))["_rid"]
    # 2.6.0: the Chinese tool and specialist patterns are tested apart, not as one alternation
    # (tax.candidate): each is a small DFA, while the joined one outgrew the lazy DFA's cache on
    # long Chinese texts and ran slower. Same rows either way. (The English one is faster joined.)
    zh_rids = work.filter(pl.col("lang") == "zh").filter(
        has(tax.tool["zh"]) | has(tax.specialist["zh"]))["_rid"]
    # Keyword-tag texts that name AI (short Chinese texts only: a length test first).
    tag_rids = (work.filter((pl.col("lang") == "zh") & (t.str.len_bytes() <= 160))
                .filter(t.str.contains(_TAG_TEXT) & t.str.contains(_TAG_AI)
                        & ~t.str.contains(_TAG_FUNCTION))["_rid"])
    # 2.6.0: ads whose keyword field (技能要求：…) names AI (a literal test first: it is cheap).
    field_rids = (work.filter((pl.col("lang") == "zh") & t.str.contains("技能要求", literal=True))
                  .filter(t.str.contains(_TAG_FIELD_CUE))["_rid"])
    rids = pl.concat([en_rids, zh_rids, tag_rids, field_rids]).unique()
    # 2.6.0: trainer or consultant ads (their long lists of topics are a menu, not a requirement).
    trainer_rids = work.filter(pl.col("_rid").is_in(rids.implode())
                               & title.str.contains(_TRAINER_AD))["_rid"]
    c = pl.col("_c")
    cand = work.filter(pl.col("_rid").is_in(rids.implode()))
    zh_ads = cand["lang"] == "zh"

    def cut(ads: pl.DataFrame, zh: bool) -> pl.DataFrame:
        """The ads' clauses (title first), with ``_tag`` for a keyword-tag text. Chinese ads lose
        their company section and are cut at glued headings too."""
        body = t
        if zh:
            # 2.6.0: an unheaded company opening before the role's first duty heading is dropped.
            parts = t.str.replace(_ZH_DUTY_HEADING, "\x00$0").str.split_exact("\x00", 1)
            pre, post = parts.struct.field("field_0"), parts.struct.field("field_1")
            opening = (post.is_not_null()
                       & pre.str.slice(0, _ZH_OPENING_WINDOW).str.contains(_ZH_COMPANY_OPENING)
                       & ~pre.str.contains(_ZH_OPENING_ASKS))
            body = pl.when(opening).then(post).otherwise(t)
            body = (body.str.replace_all(_ZH_COMPANY_SECTION, "\n").str.replace_all(_ZH_HEADING, "\n$1")
                    .str.replace_all(_ZH_DASH_ITEM, "$1\n"))
        clauses = (pl.concat_str([title, body], separator="\n").str.replace_all(_ZH_ITEM, "$1\n$2")
                   .str.extract_all(_AI_CLAUSE).alias("_c"))
        if not zh:
            return ads.select("_rid", "lang", clauses).explode("_c").with_columns(
                pl.lit(False).alias("_tag"))
        field = (c.str.contains(_TAG_FIELD) & c.str.contains(_TAG_AI)
                 & ~c.str.replace(_TAG_FIELD_HEAD, "").str.contains(_TAG_FUNCTION))
        if tag_rids.len() == 0:
            return ads.select("_rid", "lang", clauses).explode("_c").with_columns(
                field.fill_null(False).alias("_tag"))
        tagged = pl.col("_rid").is_in(tag_rids.implode())
        return (ads.select("_rid", "lang", clauses,
                           pl.when(tagged).then(t.str.strip_chars()).alias("_tagtext"))
                .explode("_c")
                .with_columns(((c.str.strip_chars() == pl.col("_tagtext")).fill_null(False)
                               | field.fill_null(False)).alias("_tag"))
                .drop("_tagtext"))

    def steps(frame: pl.LazyFrame, langs: tuple[str, ...]) -> pl.LazyFrame:
        """The taxonomy's steps on the clauses of one language's ads: English terms on every ad,
        Chinese ones on Chinese ads only. (Kept apart: one regex over a mix of English and Chinese
        clauses is several times slower, its lazy DFA cache thrashing between the two.)"""
        candidate = pl.any_horizontal([c.str.contains(tax.tool[lang]) | c.str.contains(
            tax.specialist[lang]) for lang in langs])
        frame = (
            # Only clauses holding a term go through the steps (most of a long ad holds none).
            frame.filter(c.is_not_null() & (candidate | pl.col("_tag")))
            .with_columns(pl.any_horizontal([c.str.contains(part) for lang in langs
                                             for part in _exclude_parts(tax, lang)])
                          .alias("_excluded"))
        )
        cur = "_c"
        for lang in langs:
            tool, spec = tax.tool[lang], tax.specialist[lang]
            masked, masked2 = f"_ai_m1_{lang}", f"_ai_m2_{lang}"
            blanked = pl.col(cur)
            for part in _exclude_parts(tax, lang):
                blanked = blanked.str.replace_all(part, " ")
            frame = (
                frame.with_columns(blanked.alias(masked))
                .with_columns(pl.col(masked).str.extract_all(tool).alias(f"_ai_tool_{lang}"),
                              pl.col(masked).str.replace_all(tool, " ").alias(masked2))
                .with_columns(pl.col(masked2).str.extract_all(spec).alias(f"_ai_spec_{lang}"))
            )
            cur = masked2
        if "zh" not in langs:
            frame = frame.with_columns(_EMPTY.alias("_ai_tool_zh"), _EMPTY.alias("_ai_spec_zh"),
                                       pl.lit(None, dtype=pl.String).alias("_ai_m2_zh"))
        return frame.select("_rid", "lang", "_c", "_tag", "_excluded", "_ai_tool_en",
                            "_ai_spec_en", "_ai_tool_zh", "_ai_spec_zh", "_ai_m2_zh")

    sub = pl.concat([steps(cut(cand.filter(~zh_ads), zh=False).lazy(), ("en",)),
                     steps(cut(cand.filter(zh_ads), zh=True).lazy(), ("en", "zh"))])

    def by_lang(en: pl.Expr, zh: pl.Expr) -> pl.Expr:
        return pl.concat_list(en, zh)

    role = c.str.contains(_AI_ROLE)
    negated = c.str.contains(_AI_NEGATED)
    elsewhere = (c.str.contains(_AI_RECRUITING) | c.str.contains(_AI_COMPANY)
                 | c.str.contains(_AI_MARKET))
    # An opportunity, course advertising or an interest: counts only if it asks a skill.
    asks = c.str.contains(_AI_ASKS)
    aside = (((c.str.contains(_AI_OPPORTUNITY) | c.str.contains(_AI_COURSE)) & ~asks)
             | (c.str.contains(_AI_INTEREST) & ~asks & ~c.str.contains(_AI_DUTY))
             | (pl.col("_rid").is_in(trainer_rids.implode())
                & (c.str.count_matches(_LONG_LIST) >= _LONG_LIST_MIN)))
    spec_ev = by_lang(pl.col("_ai_spec_en"), pl.col("_ai_spec_zh"))
    tool_ev = by_lang(pl.col("_ai_tool_en"), pl.col("_ai_tool_zh"))
    spec_ev = pl.concat_list(spec_ev, pl.when(pl.col("_tag"))
                             .then(pl.col("_ai_m2_zh").str.extract_all(_TAG_AI))
                             .otherwise(_EMPTY).fill_null(_EMPTY))
    tool_ev = pl.concat_list(tool_ev, pl.when(pl.col("_excluded"))
                             .then(c.str.extract_all(_AI_KNOWS_PRODUCT)).otherwise(_EMPTY))
    spec_ev = pl.concat_list(spec_ev, pl.when(pl.col("_excluded"))
                             .then(c.str.extract_all(_AI_FIELD_WORK)).otherwise(_EMPTY))
    # A list item "人工智能" (a taxonomy phrase) counts only where the clause asks a skill or a duty.
    spec_ev = pl.when((asks | c.str.contains(_AI_DUTY)) & ~c.str.contains(_AI_LIST_ASIDE)).then(
        spec_ev).otherwise(
        spec_ev.list.eval(pl.element().filter(~pl.element().str.contains(_AI_LIST_ITEM))))
    # 2.6.0: preferred experience of building AI products or systems is not a skill asked.
    spec_ev = pl.when(c.str.contains(_AI_OPTIONAL)).then(
        spec_ev.list.eval(pl.element().filter(~pl.element().str.contains(_AI_PRODUCT_EXPERIENCE)))
    ).otherwise(spec_ev)
    out = sub.select(
        "_rid", "_c", "lang",
        spec_ev.alias("_spec"), tool_ev.alias("_tool"),
        (~negated & ~(elsewhere & ~role) & ~aside).alias("_keep"),
        ~c.str.contains(_AI_OPTIONAL).alias("_firm"),
        negated.alias("_negated"), (elsewhere | aside).alias("_elsewhere"), role.alias("_role"),
        pl.col("_excluded"),
    ).with_columns(pl.concat_list("_spec", "_tool").alias("_ev"))
    generic = pl.col("_ev").list.eval(pl.element().str.contains(_AI_GENERIC_ONLY)).list.all()
    has_ev = pl.col("_ev").list.len() > 0
    why = (
        pl.when(has_ev & (pl.col("_negated") | pl.col("_elsewhere"))).then(pl.lit("scope"))
        # the clause holds a term (it is a candidate) but the exclusion step took it away
        .when(~has_ev & pl.col("_excluded") & pl.col("_role")).then(pl.lit("excluded_with_role"))
        .when(has_ev & generic).then(pl.lit("generic"))
        .when(has_ev & c.str.contains(_AI_FIELD_OF_STUDY)).then(pl.lit("field_of_study"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    return out.with_columns(why.alias("_why")).with_columns(
        pl.col("_why").is_not_null().alias("_unsure")).drop("_ev").collect()


def _exclude_parts(tax: Taxonomy, lang: str) -> tuple[str, ...]:
    """The exclusion patterns of ``lang``, in parts (2.6.0; one alternation for a taxonomy built
    without them)."""
    return tax.exclude_parts.get(lang) or (tax.exclude[lang],)


def _unexcluded(clauses: pl.Series, lang: pl.Series, tax: Taxonomy) -> pl.DataFrame:
    """The tool and specialist matches of ``clauses`` without the exclusion step (what it took
    away), for the few clauses a judge keeps against it."""
    d = pl.DataFrame({"_c": clauses, "lang": lang})
    c, is_zh = pl.col("_c"), pl.col("lang") == "zh"
    rest = c.str.replace_all(tax.tool["en"], " ").str.replace_all(tax.tool["zh"], " ")
    return d.select(
        pl.concat_list(rest.str.extract_all(tax.specialist["en"]),
                       pl.when(is_zh).then(rest.str.extract_all(tax.specialist["zh"]))
                       .otherwise(_EMPTY)).alias("_spec"),
        pl.concat_list(c.str.extract_all(tax.tool["en"]),
                       pl.when(is_zh).then(c.str.extract_all(tax.tool["zh"]))
                       .otherwise(_EMPTY)).alias("_tool"))


# The unsure clauses a judge decides: where the rules cannot tell the company or the hiring process
# from the role, or a scope word from a requirement. Generic words and fields of study stay with the
# rules (on the development ads the judge did not decide them better; docs/ads.md, 5b).
JUDGED = ("scope", "excluded_with_role")

# A judge: given the unsure clauses (a String series), says for each whether it asks the advertised
# role for AI skill (a Boolean series of the same length).
Judge = Callable[[pl.Series], pl.Series]


def _veto(cl: pl.DataFrame, work: pl.DataFrame, only: str, context: str | pl.Expr,
          but_not: str | None = None) -> pl.DataFrame:
    """``cl`` (:func:`ai_clauses`) with the matches dropped of the ads whose every match is of the
    kind ``only`` (and, with ``but_not``, none of that kind) when the ad's title or text names
    ``context`` (or, given an expression over ``work``, where it holds). Eager and on the few such
    ads only."""
    matches = (cl.select("_rid", pl.concat_list("_spec", "_tool").alias("_m"))
               .explode("_m").drop_nulls("_m").with_columns(pl.col("_m").str.strip_chars()))
    kind = pl.col("_m").str.contains(only)
    if but_not is not None:
        kind = kind & ~pl.col("_m").str.contains(but_not)
    bare = matches.group_by("_rid").agg(kind.all().alias("_b")).filter(pl.col("_b"))["_rid"]
    if bare.len() == 0:
        return cl
    where = context if isinstance(context, pl.Expr) else (
        pl.col("_t").str.contains(context) | pl.col("_tt").fill_null("").str.contains(context))
    veto = work.filter(pl.col("_rid").is_in(bare.implode())).filter(where)["_rid"]
    if veto.len() == 0:
        return cl
    vetoed = pl.col("_rid").is_in(veto.implode())
    return cl.with_columns(pl.when(vetoed).then(_EMPTY).otherwise(pl.col(name)).alias(name)
                           for name in ("_spec", "_tool"))


def _veto_bare_algorithm_titles(cl: pl.DataFrame, work: pl.DataFrame) -> pl.DataFrame:
    """``cl`` with the matches of the ads whose only evidence is a bare "算法工程师" dropped when
    the ad names non-ML algorithm work (:data:`_NON_ML_ALGORITHM`); and (2.3.0) with those of the
    ads whose only evidence is the bare word "AI" dropped when the ad is about making games
    (:data:`_GAME_DEVELOPMENT`): there "AI" is the behaviour of the game's characters."""
    cl = _veto(cl, work, _BARE_ALGORITHM_TITLE, _NON_ML_ALGORITHM)
    cl = _veto(cl, work, _BARE_ALGORITHM_ROLE, _ALGORITHM_COLLEAGUE)
    cl = _veto(cl, work, _BARE_VISION_ALGORITHM, _MACHINE_VISION)
    return _veto(cl, work, _BARE_AI_WORD, _GAME_DEVELOPMENT, but_not=_ML_WORD)


# 2.4.0: a trainee or graduate-recruitment ad ("…开发实习生", "应往届毕业生", "零基础") whose only AI
# match is a generic word ("人工智能", "AI") in its title asks no AI skill: the title names a track of
# the programme, the requirements ask none (a specific term in the title, or any AI match in the text,
# is not affected).
_TRAINEE = r"实习生|定岗生|储备生|管培生|应往届|应届|往届|零基础|0基础|签约"
# 2.6.0: so is a developer ad whose title names an AI direction or team in brackets or as a
# direction ("Java工程师（人工智能方向）", "AI方向") when that is its only AI match: the title names
# where the role sits, and its duties and requirements ask no AI skill (its text holds no AI match).
_AI_DIRECTION_TITLE = (
    r"(?i)[（(\[【][^）)\]】]*(?:人工智能|(?-u:\b)ai(?-u:\b))[^）)\]】]*[)）\]】]|"
    r"(?:人工智能|(?-u:\b)ai(?-u:\b))\s?方向"
)
_GENERIC_AI = r"(?i)人工智能|(?-u:\b)ai(?-u:\b)"


def _veto_trainee_titles(cl: pl.DataFrame, work: pl.DataFrame) -> pl.DataFrame:
    """``cl`` with the matches dropped of the trainee ads (:data:`_TRAINEE`) whose every kept match
    is a generic AI word in the title clause. Eager and on the few such ads only."""
    hits = cl.filter(pl.col("_keep") & (pl.col("_spec").list.len() + pl.col("_tool").list.len() > 0))
    if hits.height == 0:
        return cl
    titles = work.select("_rid", pl.col("_tt").fill_null("").str.strip_chars().alias("_title"))
    generic = pl.concat_list("_spec", "_tool").list.eval(
        pl.element().str.contains(_GENERIC_AI)).list.all()
    per_ad = (hits.join(titles, on="_rid", how="left")
              .group_by("_rid")
              .agg(((pl.col("_c").str.strip_chars() == pl.col("_title")) & generic).all()
                   .alias("_title_only"))
              .filter(pl.col("_title_only"))["_rid"])
    if per_ad.len() == 0:
        return cl
    veto = work.filter(pl.col("_rid").is_in(per_ad.implode())).filter(
        pl.col("_t").str.contains(_TRAINEE) | pl.col("_tt").fill_null("").str.contains(_TRAINEE)
        | pl.col("_tt").fill_null("").str.contains(_AI_DIRECTION_TITLE))["_rid"]
    if veto.len() == 0:
        return cl
    vetoed = pl.col("_rid").is_in(veto.implode())
    return cl.with_columns(pl.when(vetoed).then(_EMPTY).otherwise(pl.col(name)).alias(name)
                           for name in ("_spec", "_tool"))


def rule_clauses(work: pl.DataFrame, tax: Taxonomy) -> pl.DataFrame:
    """:func:`ai_clauses` after the ad-level vetoes: the clause table the rules decide from."""
    return _veto_trainee_titles(_veto_bare_algorithm_titles(ai_clauses(work, tax), work), work)


# A learned ad-level decision (:mod:`neijuan.ads.learned`): given the clause table of the candidate
# ads (with ``_keep`` as the rules, and the judge if any, decided it), returns (_rid, _learned) for
# the ads it decides: True keeps (or adds) the ad's matches, False drops them all.
Learned = Callable[[pl.DataFrame], pl.DataFrame]


def ai_skill(work: pl.DataFrame, tax: Taxonomy, judge: Judge | None = None,
             learned: Learned | None = None) -> pl.LazyFrame:
    """The AI-skill columns (:data:`AI_COLUMNS`), one row per row of ``work``, in order.

    The rules (:func:`ai_clauses`) read each clause of the candidate ads; a clause's matches are
    dropped when it negates the need or speaks of the hiring process or the company rather than
    the role, and count as preferred when it is optional. When a ``judge`` is given it decides the
    clauses of the kinds in :data:`JUDGED` (a scope word, or an exclusion next to words about the
    candidate: company or role?) in the ads whose answer hangs on them (no clause the rules are sure
    of flags the ad); the evidence is always the rules' own matches (those the exclusion step took
    away, when the judge keeps such a clause). ``ai_judged_clauses`` counts the clauses the judge
    decided. Cost scales with the candidate ads, and the judge's with those clauses.
    """
    cl = rule_clauses(work, tax)
    keep = pl.col("_keep")
    judged = pl.lit(False)
    if judge is not None:
        # Only where the ad's answer hangs on it: a judged kind of clause in an ad that no clause
        # the rules are sure of already flags.
        sure_hit = (~pl.col("_why").is_in(JUDGED).fill_null(False) & pl.col("_keep")
                    & (pl.col("_spec").list.len() + pl.col("_tool").list.len() > 0))
        cl = cl.with_columns(
            (pl.col("_why").is_in(JUDGED).fill_null(False) & ~sure_hit.any().over("_rid"))
            .alias("_judge"))
    if judge is not None and cl["_judge"].any():
        texts = cl.filter(pl.col("_judge"))["_c"].unique(maintain_order=True)
        verdict = judge(texts)
        if verdict.len() != texts.len():
            raise ValueError(f"the judge returned {verdict.len()} verdicts for {texts.len()} clauses")
        table = pl.DataFrame({"_c": texts, "_verdict": verdict.cast(pl.Boolean)})
        cl = cl.join(table, on="_c", how="left", maintain_order="left")
        judged = pl.col("_judge")
        keep = pl.when(judged).then(pl.col("_verdict")).otherwise(pl.col("_keep"))
        # A clause the judge keeps whose matches the exclusion step removed gets those back.
        restore = (cl["_judge"] & cl["_verdict"].fill_null(False)
                   & (cl["_spec"].list.len() + cl["_tool"].list.len() == 0))
        if restore.any():
            idx = restore.arg_true()
            back = _unexcluded(cl["_c"].gather(idx), cl["lang"].gather(idx), tax).with_columns(
                idx.alias("_i"))
            cl = (cl.with_row_index("_i")
                  .join(back.rename({"_spec": "_spec_b", "_tool": "_tool_b"}), on="_i",
                        how="left", maintain_order="left")
                  .with_columns(pl.coalesce("_spec_b", "_spec").alias("_spec"),
                                pl.coalesce("_tool_b", "_tool").alias("_tool"))
                  .drop("_i", "_spec_b", "_tool_b"))
    if learned is not None and cl.height:
        cl = cl.with_columns(keep.alias("_keep"))
        keep = pl.col("_keep")
        decided = learned(cl)
        if decided.height:
            has = pl.col("_spec").list.len() + pl.col("_tool").list.len() > 0
            cl = cl.join(decided.select("_rid", pl.col("_learned").cast(pl.Boolean)), on="_rid",
                         how="left", maintain_order="left").with_columns(
                (pl.col("_keep") & has).any().over("_rid").alias("_rules_ad"))
            # The learned decision may drop all of an ad's matches; where it agrees with the
            # rules' flag the rules' matches stand; where it flags an ad the rules did not, the
            # matches of its clauses count (those the rules dropped for their scope). It never
            # adds a match the rules did not find.
            keep = (pl.when(pl.col("_learned").is_null() | (pl.col("_learned")
                                                            & pl.col("_rules_ad")))
                    .then(pl.col("_keep")).otherwise(pl.col("_learned")))
    sub = (
        cl.lazy().select(
            "_rid",
            pl.when(keep).then(pl.col("_spec")).otherwise(_EMPTY).alias("_spec"),
            pl.when(keep).then(pl.col("_tool")).otherwise(_EMPTY).alias("_tool"),
            "_firm", judged.alias("_judged"),
        )
        .group_by("_rid")
        .agg(
            pl.col("_spec").explode().drop_nulls().alias("ai_specialist_evidence"),
            pl.col("_tool").explode().drop_nulls().alias("ai_tool_evidence"),
            (pl.col("_firm") & ((pl.col("_spec").list.len() + pl.col("_tool").list.len()) > 0))
            .any().alias("_firm_hit"),
            pl.col("_judged").sum().cast(pl.Int32).alias("ai_judged_clauses"),
        )
    )
    return (
        work.lazy().select("_rid").join(sub, on="_rid", how="left", maintain_order="left")
        .with_columns(pl.col("ai_specialist_evidence").fill_null(_EMPTY),
                      pl.col("ai_tool_evidence").fill_null(_EMPTY),
                      pl.col("ai_judged_clauses").fill_null(0))
        .with_columns(
            (pl.col("ai_specialist_evidence").list.len() > 0).alias("ai_skill_specialist"),
            (pl.col("ai_tool_evidence").list.len() > 0).alias("ai_skill_tool"),
        )
        .with_columns((pl.col("ai_skill_specialist") | pl.col("ai_skill_tool")).alias("ai_skill"))
        .with_columns((pl.col("ai_skill") & ~pl.col("_firm_hit").fill_null(False))
                      .alias("ai_skill_preferred"))
        .select(AI_COLUMNS)
    )


# --------------------------------------------------------------------------------------------------
# Degree

# Words that make a clause worth reading for a degree requirement.
_DEGREE_KEYWORDS = (
    r"学历|学位|本科|硕士|博士|大专|专科|高职|研究生|中专|高中|初中|技校|学士|"
    r"degree|bachelor|master'?s|masters|master of|ph\.?\s?d|doctorate|doctoral|d\.?phil|"
    r"(?-u:\b)(?:m\.?sc|b\.?sc|ms|bs|ba|mba|b\.?eng|m\.?eng|bsn|msn|llb|dnp|hnd|hnc|ged|mpharm)(?-u:\b)|"
    r"b\.s\.|m\.s\.|diplomas?(?-u:\b)|gcses?|a-levels?|high school|secondary school|postgraduate|"
    r"undergraduate|in lieu|equivalen(?:t|cy|ce)|bootcamp|"
    r"post-?secondary (?:education|diploma|degree|certificate)|"
    r"graduate (?:of|in|from) |graduated from |(?-u:\b)(?:2|two)-year (?:program|college)"
)
# A clause: a stretch of text without a sentence or clause break. A dot ends it only when a space
# follows (so "Ph.D." and "B.S." stay inside); the Chinese comma ends it; the ASCII comma does not.
# Since 1.3.0 a clause runs on over a line break when the next line only continues it with the
# experience that comes with the degree (a hard-wrapped ad whose next line starts "plus at least
# five years ..."), so that experience stays with its degree.
_CLAUSE_CHAR = r"(?:[^\n。；;!?！？，.•]|\.[^\s])"
_CONTINUATION = rf"(?:\n[ \t\n]*(?:plus|with a minimum|and a minimum)(?-u:\b){_CLAUSE_CHAR}*)?"
_CLAUSE = rf"(?i){_CLAUSE_CHAR}*?(?:{_DEGREE_KEYWORDS}){_CLAUSE_CHAR}*{_CONTINUATION}"

# Phrases removed from a clause before its level is read ("a high degree of", "360-degree",
# "本科为985院校" describes the school, not the level asked for).
_DEGREE_NOISE = (
    r"(?:high |a |great |certain )?degree of|\d+-degree|\d+ degrees|degrees? (?:celsius|fahrenheit)|"
    r"本科(?:为|毕业于|院校|阶段)[^，,]*|第一学历|(?:高职|职业|本科)院校|"
    # A heading line that lists credential types ("Education: degree/diploma").
    r"education:? \(?degree/diploma(?:/certificate)?\)?:?$|"
    # "Post-secondary education" names no credential (a course or a certificate would do), nor do
    # a post-secondary setting or institution (1.3.0).
    r"post[- ]?secondary (?:education|studies|courses?|school(?:ing)?|institutions?|environments?|"
    r"settings?|sector|organi[sz]ations?|context)|"
    # A student post ("currently enrolled in a Bachelor of Education program") asks for no degree.
    r"(?:currently |be )?(?:enrolled in|pursuing|working towards|entering)[^.;\n]*"
)
# A student post that is also open to recent graduates of the program asks for the program
# (removed before the student-post noise above can remove the program with it).
_GRADUATE_OPTION = (
    r"(?:currently )?enrolled in,? or (?:a |an )?(?:recent |recently )?graduat(?:ed|es?)(?: of| from)?"
)
# Preferences that are about something other than the degree (1.3.0): the field of study
# ("preferably in geology", "with a preference for ...") or, in brackets, another degree
# or a major ("(an MSc is an asset)", "(a finance major preferred)"). "(preferred)" alone
# stays a preference for the degree.
_OTHER_PREFERENCE = (
    r"preferabl[ey](?: (?:in|with|from))?[^,;()]*|with a preference for[^;()]*|"
    r"\((?:[^()]|\([^()]*\))*?[a-z]\s+(?:is |are |would be )?(?:preferred|an asset|desirable|"
    r"an advantage|a plus)(?:[^()]|\([^()]*\))*(?:\)|$)"
)
_SECONDARY = (
    r"high school(?: diploma)?|(?-u:\b)ged(?-u:\b)|gcses?|a-levels?|(?-u:\b)secondary school|"
    r"高中|中专|初中|技校|中技|职高"
)
_PHD = r"ph\.?\s?d|doctorate|doctoral|d\.?phil|(?-u:\b)dnp(?-u:\b)|博士"
_MASTER = (
    r"master'?s|masters|master of|(?-u:\b)m\.?sc(?-u:\b)|(?-u:\b)m\.s\.|"
    r"(?-u:\b)ms(?:\s+(?:in|or|degree|with)(?-u:\b)|\s*[/,)])|(?-u:\b)mba(?-u:\b)|"
    r"(?-u:\b)m\.?eng(?-u:\b)|mpharm|(?-u:\b)msn(?-u:\b)|(?-u:\b)mph(?-u:\b)|"
    r"postgraduate (?:degree|qualification)|advanced degree|graduate degree|硕士|研究生"
)
_QUALIFIED_DEGREE = (
    r"(?:associate'?s?|foundation|master'?s|masters|bachelor'?s|graduate|advanced|postgraduate|"
    r"doctoral|undergraduate|university|college) degree"
)
_BACHELOR = (
    r"bachelor|(?-u:\b)b\.?sc(?-u:\b)|(?-u:\b)b\.s\.|"
    r"(?-u:\b)bs(?:\s+(?:in|or|degree|with)(?-u:\b)|\s*[/,)])|"
    r"(?-u:\b)ba(?:\s+(?:in|or|degree)(?-u:\b)|\s*/)|(?-u:\b)b\.?eng(?-u:\b)|(?-u:\b)bsn(?-u:\b)|"
    r"(?-u:\b)llb(?-u:\b)|undergraduate degree|university degree|college degree|"
    r"(?:4|four)-year degree|本科|学士|"
    # A university graduate in a named field ("a graduate in geology from a university"; 1.3.0).
    r"(?-u:\b)graduate(?:d)? (?:of|in|from) [^.;]{0,60}?universit|universit(?:y|ies) graduate"
)
_ASSOCIATE = (
    r"associate'?s? degree|foundation degree|(?-u:\b)hn[dc](?-u:\b)|diplomas?(?-u:\b)|大专|专科|高职|"
    r"post-?secondary (?:diploma|certificate|program)|(?-u:\b)(?:2|two)-year (?:program|college)|"
    r"graduate of an? (?:approved |recognized |accredited )?[a-z ]{0,40}?(?:program|programme)"
)
_NOT_REQUIRED = (
    r"学历不限|不限学历|学历无要求|不要求学历|学历没有要求|学历不是硬性要求|"
    r"no (?:formal )?degree|degree (?:is )?not (?:required|essential|necessary|needed|a requirement)|"
    r"(?:do not|don't|does not|doesn't) (?:require|need) a degree|without a degree|"
    r"no (?:specific |particular )?degree (?:is )?(?:required|needed|necessary)|no degree requirement|"
    r"degree not (?:required|necessary|essential|needed)|"
    r"no (?:formal )?qualifications? (?:are )?(?:required|needed|necessary)"
)
_PREFERRED = (
    r"prefer|desirable|desired|(?-u:\b)nice(?-u:\b)|advantage|(?-u:\b)a plus|(?-u:\b)bonus|ideally|"
    r"(?-u:\b)(?:an|as an|considered an|a definite) asset(?-u:\b)|优先|加分|最好|更佳"
)
# "Will be considered" is a preference only when nothing in the clause is a relaxation ("applicants
# with a degree, or a mix of training and experience, will be considered" offers an alternative).
_CONSIDERED = r"(?-u:\b)considered"
# A relaxation: experience, or another mix of education and experience, can stand in for the degree.
_RELAX = (
    r"equivalen(?:t|cy|ce)(?: [a-z-]+){0,2}? (?:experience|combination|mix|record|background|work|"
    r"years?|expertise|level of)|"
    r"equivalen(?:t|cy|ce) (?:of|in) (?:[a-z]+ ){0,2}?(?:experience|education)|"
    r"(?:combination|mix) of (?:[a-z/,&-]+ ){0,4}?(?:education|training|experience)|"
    r"in lieu|bootcamp|(?-u:\b)or (?:relevant|similar|comparable) (?:\w+ )?experience|"
    r"(?-u:\b)or \d+\+? years|"
    r"(?-u:\b)or (?:a |an )?(?:[a-z]+ ){0,2}?(?:certificate|certification|apprenticeship)|"
    r"同等学力|同等学历|可(?:适当)?放宽|亦可|也可|不是硬性|优秀者(?:学历)?不限|经验丰富者|能力(?:突出|优秀)者"
)
# A bare "or equivalent" relaxes the degree it follows ("a degree in a technical field or
# equivalent"), but in a clause that names no degree it is an equivalent credential ("a CPA
# designation (or equivalent)", "a forklift ticket or equivalent"), not a relaxation of the ad's
# degree (1.3.0).
_OR_EQUIVALENT = r"(?-u:\b)or (?:an? |the )?equivalent(?-u:\b)"
# A degree stated as a requirement in so many words ("is required", "must"): a stand-alone
# relaxation elsewhere in the ad (a line of its own saying that equivalent experience could be
# accepted instead, often at the end of the experience list) does not turn it into an alternative.
_EXPLICIT = r"(?-u:\b)(?:required|must|mandatory|essential)(?-u:\b)"
# Experience that comes with a degree ("plus at least five years", "with 3 years"): a lower level
# offered with more experience stands in for the higher level the ad also names ("a bachelor's with
# two years, or a college diploma with five" asks for the bachelor's, with an alternative).
_WITH_YEARS = (
    r"(?-u:\b)(?:plus|with|and)(?: a| at least)?(?: minimum)?(?: of)? "
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\+?(?: \(\d+\))?(?: [a-z-]+)? "
    r"(?:years?|yrs)|(?-u:\b)plus (?:a|an)(?: minimum(?: of)?)?$|(?-u:\b)plus$"
)
_LEVEL_PATTERNS = (_ASSOCIATE, _BACHELOR, _MASTER, _PHD)


def _level_finds(clause: pl.Expr) -> list[pl.Expr]:
    """Where a clause first names each level (``_p1`` associate … ``_p4`` PhD; null when it does not)
    and whether it says "degree" without a level (``_g``). Columns, so that the level codes below
    read them once."""
    generic = clause.str.replace_all(_QUALIFIED_DEGREE, " ").str.contains(r"(?-u:\b)degree")
    return [*(clause.str.find(p).alias(f"_p{i + 1}") for i, p in enumerate(_LEVEL_PATTERNS)),
            generic.alias("_g")]


def _level_codes() -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """From :func:`_level_finds`' columns: the lowest and highest degree level a clause names
    (1 associate … 4 PhD; null when it names none), and whether the highest is named before the
    lowest ("a master's, or a bachelor's with three years")."""
    found = [pl.col(f"_p{i + 1}") for i in range(len(_LEVEL_PATTERNS))]
    codes = [pl.when(f.is_not_null()).then(i + 1) for i, f in enumerate(found)]
    # A bare "degree" ("a relevant degree", "degree educated") means a bachelor's, unless the clause
    # names a level itself ("MPharm degree").
    low = pl.coalesce(pl.min_horizontal(codes), pl.when(pl.col("_g")).then(2))
    high = pl.coalesce(pl.max_horizontal(codes), pl.when(pl.col("_g")).then(2))

    def pos(level: pl.Expr) -> pl.Expr:
        expr = pl.lit(None, dtype=pl.UInt32)
        for i, f in enumerate(found):
            expr = pl.when(level == i + 1).then(f).otherwise(expr)
        return expr

    two = pl.sum_horizontal(f.is_not_null() for f in found) >= 2
    return low, high, two & (pos(high) < pos(low)).fill_null(False)


def _clause_kind(clause: pl.Expr, level: pl.Expr) -> pl.Expr:
    """1 required, 2 preferred, 3 alternative, 4 not required, 5 relaxation only, 6 secondary,
    0 other."""
    has_level = level.is_not_null()
    relax = clause.str.contains(_RELAX)
    return (
        pl.when(has_level & clause.str.contains(_PREFERRED)).then(2)
        .when(clause.str.contains(_NOT_REQUIRED)).then(4)
        .when(has_level & (relax | clause.str.contains(_OR_EQUIVALENT))).then(3)
        .when(has_level & clause.str.contains(_CONSIDERED)).then(2)
        .when(has_level).then(1)
        # "High school diploma or equivalent" says no degree is needed (checked before the
        # relaxation it also contains).
        .when(clause.str.contains(_SECONDARY)).then(6)
        .when(relax).then(5)
        .otherwise(0)
    )


def degree(lf: pl.LazyFrame) -> pl.LazyFrame:
    """The degree columns (:data:`DEGREE_COLUMNS`: level, strength, mentioned, required and the
    evidence, i.e. the clauses that carried a degree statement), one row per row of ``lf``, in order
    (``lf`` needs ``_rid`` and ``_t``).

    Each clause is classified on its own (level named; required, preferred, an alternative, or
    explicitly not required); the ad's label combines them: the lowest required level wins; a
    relaxation ("or equivalent experience", "能力突出者学历可放宽", "学历不限" beside a stated level)
    turns a requirement into an alternative (a stand-alone one only when some required degree is
    not stated as "required" in so many words); a lower level offered with more years of experience
    beside a higher one is an alternative to the higher one, not the level asked for; a preference
    counts only when nothing is required. The clauses are classified as one flat column (exploded),
    which is far faster than evaluating expressions inside each row's list.
    """
    clauses = (
        pl.col("_t").str.extract_all(_CLAUSE)
        .list.join("\x00")
        # A clause continued over a line break (see _CONTINUATION) is read as one line.
        .str.replace_all("\n", " ", literal=True)
        # An ASCII comma right after a Han character separates clauses, as "，" does.
        .str.replace_all(r"(\p{Han})\s*,\s*", "$1\x00")
        .str.split("\x00")
    )
    c = pl.col("_c")
    clean = (
        c.str.to_lowercase()
        # "(strongly preferred)" is a preference for the degree: the adverb goes first, so that the
        # bracketed-preference rule below does not read it as something else preferred.
        .str.replace_many(["strongly prefer", "highly prefer"], ["prefer", "prefer"])
        # One pass: the graduate option first (it wins over the student-post noise at the same
        # place), then the noise, then the preferences about something else.
        .str.replace_all(f"{_GRADUATE_OPTION}|{_DEGREE_NOISE}|{_OTHER_PREFERENCE}", " ")
    )
    # Secondary-school phrases are removed before reading the level ("high school diploma" is not
    # an associate diploma).
    low, high, descending = _level_codes()
    long = (
        lf.select("_rid", clauses.alias("_c"))
        .explode("_c")
        .with_columns(c.str.strip_chars())
        .filter(c.str.len_chars() > 0)
        .with_columns(clean.alias("_cl"))
        .with_columns(_level_finds(pl.col("_cl").str.replace_all(_SECONDARY, " ")))
        .with_columns(low.alias("_l"), high.alias("_h"), descending.alias("_desc"),
                      pl.col("_cl").str.contains(_WITH_YEARS).alias("_yrs"))
        .with_columns(_clause_kind(pl.col("_cl"), pl.col("_l")).alias("_k"))
        # "A master's, or a bachelor's with three years": the higher level, as an alternative.
        .with_columns(
            pl.when(pl.col("_desc") & pl.col("_yrs") & pl.col("_k").is_in([1, 3]))
            .then(pl.col("_h")).otherwise(pl.col("_l")).alias("_l"),
            pl.when(pl.col("_desc") & pl.col("_yrs") & (pl.col("_k") == 1))
            .then(3).otherwise(pl.col("_k")).alias("_k"),
        )
    )
    k, lvl, yrs = pl.col("_k"), pl.col("_l"), pl.col("_yrs")
    asked = k.is_in([1, 3])
    agg = (
        long.with_columns(((k == 1) & ~pl.col("_cl").str.contains(_EXPLICIT)).alias("_loose"))
        .group_by("_rid").agg(
            lvl.filter((k == 1) & ~yrs).min().alias("_req_n"),
            lvl.filter((k == 1) & yrs).max().alias("_req_y"),
            lvl.filter((k == 3) & ~yrs).min().alias("_alt_n"),
            lvl.filter((k == 3) & yrs).max().alias("_alt_y"),
            lvl.filter(asked).max().alias("_top"),
            lvl.filter(asked & yrs).min().alias("_low_y"),
            lvl.filter(k == 2).min().alias("_pref"),
            k.is_in([3, 4]).any().alias("_relax_k"),
            ((k == 5).any() & pl.col("_loose").any()).alias("_relax_alone"),
            k.is_in([4, 6]).any().alias("_notreq"),
            c.filter(k > 0).alias("degree_evidence"),
        )
        # A level offered with years of experience counts only when it is the highest level the ad
        # asks for; a lower one stands in for the higher (a substitute: the ad offers an
        # alternative). Aggregates, not a per-clause window, for speed.
        .with_columns(
            pl.min_horizontal("_req_n", pl.when(pl.col("_req_y") == pl.col("_top"))
                              .then(pl.col("_req_y"))).alias("_req"),
            pl.min_horizontal("_alt_n", pl.when(pl.col("_alt_y") == pl.col("_top"))
                              .then(pl.col("_alt_y"))).alias("_alt"),
            (pl.col("_relax_k") | pl.col("_relax_alone")
             | (pl.col("_low_y") < pl.col("_top")).fill_null(False)).alias("_relaxed"),
        )
    )
    level_code = pl.coalesce("_req", "_alt", "_pref", pl.lit(0))
    strength = (
        pl.when(pl.col("_req").is_not_null() & pl.col("_relaxed")).then(pl.lit("alternative"))
        .when(pl.col("_req").is_not_null()).then(pl.lit("required"))
        .when(pl.col("_alt").is_not_null()).then(pl.lit("alternative"))
        .when(pl.col("_pref").is_not_null()).then(pl.lit("preferred"))
        .when(pl.col("_notreq")).then(pl.lit("not_required"))
        .otherwise(pl.lit("none"))
    )
    return (
        lf.select("_rid").join(agg, on="_rid", how="left", maintain_order="left")
        .with_columns(
            level_code.replace_strict(list(range(5)), DEGREE_LEVELS, return_dtype=pl.String)
            .alias("degree_level"),
            strength.alias("degree_strength"),
            pl.col("degree_evidence").fill_null(_EMPTY),
        )
        .with_columns(
            pl.col("degree_strength").is_in(["required", "preferred", "alternative"])
            .alias("degree_mentioned"),
            (pl.col("degree_strength") == "required").alias("degree_required"),
        )
        .select(DEGREE_COLUMNS)
    )


# --------------------------------------------------------------------------------------------------
# Salary

_NUM = r"\d{1,2}(?:,\d{2})+,\d{3}|\d{1,3}(?:[,.' ]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d+)?"
# Latin multipliers must end a token ("2 to 3 weeks" is not 2-3 万).
_MULT = r"(?:k|w|mn|million|billion|bn)(?-u:\b)|万|千"
_CUR_PRE = (
    r"us\$|usd|hk\$|hkd|s\$|sgd|a\$|au\$|aud|ca\$|c\$|cad|nz\$|nzd|£|gbp|€|eur|chf|₹|inr|jpy|"
    r"¥|￥|rmb|cny|\$|港币|人民币"
)
_CUR_POST = r"usd|eur|gbp|chf|sgd|hkd|aud|cad|nzd|cny|rmb|inr|jpy|元|块|人民币|港币|美元|欧元|英镑|€|£"
_SEP = r"\s*(?:-|–|—|~|～|to|至|到|rising to)\s*"
_PERIOD = (
    r"(?:\s*(?:/|per|an|a|every)?\s*(?:bi-?weekly|fortnightly|hours?|hr|days?|weeks?|months?|annum|"
    r"years?|yr)(?-u:\b)"
    r"|\s*/\s*h(?-u:\b)|\s*/\s*mo(?-u:\b)"
    r"|\s*/?每?(?:小时|时|天|日|周|月|年)"
    r"|\s*(?:hourly|daily|weekly|monthly|annually|annual|yearly|p\.?a(?-u:\b)\.?|pcm|ph(?-u:\b)|p/h"
    r"|(?:brutto )?pro monat|par mois|par an(?-u:\b)))?"
)
_MONTHS = r"(?:\s*[·•*x×]\s*\d{2}\s*薪)?"
# An amount starts a token: the "1" of "RS1 $1,706" or "MB3" is a pay grade, not a salary.
_AMOUNT_BARE = rf"(?-u:\b)(?:{_NUM})\s*(?:{_MULT})?\+?"
_AMOUNT = rf"(?:(?:{_CUR_PRE})\s*)?{_AMOUNT_BARE}"
_TAIL = rf"(?:{_SEP}{_AMOUNT})?\s*(?:{_CUR_POST})?{_PERIOD}{_MONTHS}(?:以上|起)?"
_CORE = rf"{_AMOUNT}{_TAIL}"
_BOUND = r"(?:up to|upto|最高|高达|from|starting at)\s*"
_CUE = (
    r"年薪|月薪|日薪|时薪|周薪|课时费|底薪|薪资|薪酬|工资|待遇|"
    r"(?-u:\b)(?:salary|pay|compensation|wages?|posting range|pay range|salary range|pay scale|"
    r"pay rate|rate of pay|base pay|hourly rate|starting (?:salary|wage|rate))(?-u:\b)"
)
_NOT_AMOUNT = r"[^\d\n$£€¥￥₹]"
# In running text a number is a salary only with an anchor. First choice: a cue word just before it
# ("Salary:", "年薪"). Otherwise: a currency before it, a currency or 元 after it, or a Chinese
# thousand/ten-thousand range ("15-25K", "2-3万"). In a salary field, any amount is a salary.
_TEXT_CUED = rf"(?i)(?:{_CUE}){_NOT_AMOUNT}{{0,15}}?(?:{_BOUND})?{_CORE}"
_TEXT_ANCHORED = (
    rf"(?i)(?:{_BOUND})?(?:{_CUR_PRE})\s*{_AMOUNT_BARE}{_TAIL}"
    rf"|{_AMOUNT_BARE}(?:{_SEP}{_AMOUNT})?\s*(?:{_CUR_POST}){_PERIOD}{_MONTHS}(?:以上|起)?"
)
# The Chinese boards' bare "15-25K" / "2-3万" ranges, read in Chinese ads only.
_TEXT_ZH_RANGE = (
    rf"(?i)(?-u:\b)(?:{_NUM})\s*(?:{_MULT})?{_SEP}(?:{_NUM})\s*(?:k(?-u:\b)|w(?-u:\b)|万|千)"
    rf"{_PERIOD}{_MONTHS}"
)
# An hourly rate followed by its annual equivalent ("$31.31-$43.31 Hourly, $59,998.64-$82,986.80
# Annually", "$23.13 to $33.29 per hour ($42,096.60 to $60,587.80 per annum)"): the annual figure is
# the one the employer computed with its own hours, so it is taken.
_ANNUAL_AFTER_RATE = (
    rf"(?i)(?:{_CUR_PRE})\s*(?:{_NUM})(?:{_SEP}(?:{_CUR_PRE})?\s*(?:{_NUM}))?\s*(?:per hour|"
    rf"/\s*h(?:ou)?r|hourly|an hour)[^\d$£€]{{0,25}}(?P<ann>(?:{_CUR_PRE})\s*(?:{_NUM})"
    rf"(?:{_SEP}(?:{_CUR_PRE})?\s*(?:{_NUM}))?\s*(?:per annum|annually|per year|a year|"
    rf"/\s*y(?:ea)?r))"
)
# On-target earnings: the figure includes commission or bonus at target.
_OTE = (
    r"(?i)(?-u:\b)(?:ote|on[- ]target earnings|on[- ]target compensation)(?-u:\b)|含提成|"
    r"综合(?:工资|薪资|收入)"
)
_FIELD_CANDIDATE = rf"(?i)(?:{_CUE})?{_NOT_AMOUNT}{{0,15}}?(?:{_BOUND})?{_CORE}"
_PARSE = (
    rf"(?P<c1>{_CUR_PRE})?\s*(?P<lo>{_NUM})\s*(?P<m1>{_MULT})?\+?"
    rf"(?:{_SEP}(?P<c2>{_CUR_PRE})?\s*(?P<hi>{_NUM})\s*(?P<m2>{_MULT})?\+?)?\s*"
    rf"(?P<c3>{_CUR_POST})?"
)
_NEGOTIABLE = r"(?i)面议|面谈|negotiable|competitive|(?-u:\b)doe(?-u:\b)|depending on experience"

_PERIOD_PATTERNS: dict[str, str] = {
    "hour": r"hour|(?-u:\b)hr(?-u:\b)|/\s*h(?-u:\b)|ph(?-u:\b)|p/h|小时|/时|时薪|课时费",
    "day": r"(?-u:\b)days?(?-u:\b)|daily|/天|/日|日薪|每天",
    "biweek": r"bi-?week|fortnight|every two weeks",
    "week": r"week|/周|周薪",
    "month": r"month|/\s*mo(?-u:\b)|pcm|monat|mois|/月|月薪|底薪|每月",
    "year": r"year|annum|(?-u:\b)yr|annual|(?-u:\b)p\.?a(?-u:\b)|par an(?-u:\b)|/年|年薪|每年",
}
_CURRENCY_CODES: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "美元": "USD",
    "hk$": "HKD", "hkd": "HKD", "港币": "HKD",
    "s$": "SGD", "sgd": "SGD",
    "a$": "AUD", "au$": "AUD", "aud": "AUD",
    "ca$": "CAD", "c$": "CAD", "cad": "CAD", "cdn$": "CAD",
    "nz$": "NZD", "nzd": "NZD",
    "£": "GBP", "gbp": "GBP", "英镑": "GBP",
    "€": "EUR", "eur": "EUR", "欧元": "EUR",
    "chf": "CHF",
    "₹": "INR", "inr": "INR",
    "jpy": "JPY",
    "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "人民币": "CNY",
    "¥": "YEN", "￥": "YEN",  # resolved by language below: CNY in Chinese ads, JPY otherwise
}
_MULTIPLIERS: dict[str, float] = {
    "k": 1e3, "千": 1e3, "w": 1e4, "万": 1e4, "mn": 1e6, "million": 1e6, "billion": 1e9,
    "bn": 1e9,
}

# Conventions for turning a stated period into a year (documented in docs/ads.md).
HOURS_PER_YEAR = 2080.0  # 40 hours x 52 weeks
DAYS_PER_YEAR = 260.0  # 5 days x 52 weeks
WEEKS_PER_YEAR = 52.0
BIWEEKS_PER_YEAR = 26.0
MONTHS_PER_YEAR = 12.0
# When no period is stated: an amount at or above this is yearly (per currency; default otherwise).
YEARLY_FROM: dict[str, float] = {"JPY": 1_000_000.0, "INR": 100_000.0, "HKD": 150_000.0,
                                 "CNY": 150_000.0}
YEARLY_FROM_DEFAULT = 10_000.0
# Currencies written with a bare "$": a "$" means the default currency when it is one of these.
DOLLAR_CURRENCIES = ("USD", "CAD", "AUD", "NZD", "SGD", "HKD")
# ... and for CNY an amount of 1,000 or more (below the yearly threshold) is monthly, the convention of
# Chinese boards ("15-25K", "1-1.5万"); for other currencies an amount below this is hourly.
CNY_MONTHLY_FROM = 1_000.0
HOURLY_BELOW = 150.0
# Screening bounds on the annualised amount (per currency): outside them the salary is quarantined.
ANNUAL_BOUNDS: dict[str, tuple[float, float]] = {
    "CNY": (5_000.0, 50_000_000.0),
    "HKD": (5_000.0, 50_000_000.0),
    "JPY": (100_000.0, 1_000_000_000.0),
    "INR": (10_000.0, 500_000_000.0),
}
ANNUAL_BOUNDS_DEFAULT = (1_000.0, 5_000_000.0)
MAX_RANGE_RATIO = 10.0


def _number(expr: pl.Expr, dot_decimal: pl.Expr | None = None) -> pl.Expr:
    """A matched amount as a float: thousands separators dropped ("55.000" and "55,000" are 55000),
    except where ``dot_decimal`` holds (dollar and pound amounts: "$36.711" is an hourly rate)."""
    s = expr.str.replace_all(r"[,' ]", "")
    dotted = s.str.contains(r"^\d{1,3}(?:\.\d{3})+$")
    if dot_decimal is not None:
        dotted = dotted & ~dot_decimal.fill_null(False)
    return (
        pl.when(dotted)
        .then(s.str.replace_all(r"\.", ""))
        .otherwise(s)
        .cast(pl.Float64, strict=False)
    )


def _bounds(currency: pl.Expr, which: int) -> pl.Expr:
    mapping = {k: v[which] for k, v in ANNUAL_BOUNDS.items()}
    return currency.replace_strict(
        mapping, default=ANNUAL_BOUNDS_DEFAULT[which], return_dtype=pl.Float64
    )


def salary(lf: pl.LazyFrame, default_currency: str | None = None) -> pl.LazyFrame:
    """The salary columns (:data:`SALARY_COLUMNS`), one row per row of ``lf``, in order (``lf``
    needs ``_rid``, ``_t``, ``_salary_field`` and ``lang``).

    The text is searched only for ads whose salary field yields nothing (a subset, joined back by
    row); the rest of the parsing runs on the short matched strings.
    """
    field = pl.col("_salary_field")
    year = pl.col("_year") if "_year" in lf.collect_schema().names() else pl.lit(None, pl.Int32)
    lf = lf.select(
        "_rid", "_t", "lang", year.alias("_year"),
        field.str.extract(_FIELD_CANDIDATE, 0).alias("_sal_field_cand"),
        pl.coalesce(field, pl.lit("")).str.contains(_NEGOTIABLE).alias("_sal_field_neg"),
    )
    t = pl.col("_t")
    text = (
        lf.filter(pl.col("_sal_field_cand").is_null())
        .select(
            "_rid",
            pl.coalesce(
                t.str.extract(_ANNUAL_AFTER_RATE, 1), t.str.extract(_TEXT_CUED, 0),
                t.str.extract(_TEXT_ANCHORED, 0),
                pl.when(pl.col("lang") == "zh").then(t.str.extract(_TEXT_ZH_RANGE, 0)),
            ).alias("_sal_text_cand"),
            t.str.contains(r"(?i)面议|薪资面谈|salary:? negotiable|competitive salary")
            .alias("_sal_text_neg"),
            t.str.contains(_OTE).alias("_sal_text_ote"),
        )
    )
    lf = lf.select("_rid", "lang", "_year", "_sal_field_cand", "_sal_field_neg").join(
        text, on="_rid", how="left", maintain_order="left")
    for stage in salary_stages(default_currency):
        lf = lf.with_columns(stage)
    return lf.select(SALARY_COLUMNS)


def salary_stages(default_currency: str | None = None) -> list[list[pl.Expr]]:
    """Stages of expressions that parse and normalise the advertised salary.

    Reads ``_salary_field`` (the board's salary column, normalised; may be null) first and the text
    otherwise. ``salary_min``/``salary_max`` are in the stated period and currency with multipliers
    applied (15-25K -> 15000, 25000); ``salary_annual_*`` convert the period to a year with the
    constants above (and the number of monthly payments, 14薪, when stated).
    """
    candidate = pl.coalesce("_sal_field_cand", "_sal_text_cand")
    negotiable = pl.col("_sal_field_neg") | pl.col("_sal_text_neg").fill_null(False)
    g = pl.col("_sal_groups")
    cur_token = pl.coalesce(g.struct.field("c1"), g.struct.field("c2"), g.struct.field("c3"))
    dollarish = cur_token.str.contains(r"\$|£|usd|cad|aud|gbp|nzd|sgd|hkd")
    lo_raw = _number(g.struct.field("lo"), dollarish)
    hi_raw = _number(g.struct.field("hi"), dollarish)
    m1 = g.struct.field("m1").replace_strict(_MULTIPLIERS, default=None, return_dtype=pl.Float64)
    m2 = g.struct.field("m2").replace_strict(_MULTIPLIERS, default=None, return_dtype=pl.Float64)
    lo = lo_raw * pl.coalesce(m1, m2, pl.lit(1.0))
    hi = hi_raw * pl.coalesce(m2, m1, pl.lit(1.0))
    cand = pl.col("salary_evidence").str.to_lowercase()
    up_to = cand.str.contains(r"up to|upto|最高|高达")
    from_ = cand.str.contains(r"(?-u:\b)from(?-u:\b)|starting at|以上|起")
    # A currency named by code beats a bare "$" ("$80,000 CAD"); a bare "$" is the default currency
    # when that is a dollar (Canadian boards), US dollars otherwise.
    bare_dollar = default_currency if default_currency in DOLLAR_CURRENCIES else "USD"

    def code(token: pl.Expr) -> pl.Expr:
        return pl.when(token == "$").then(None).otherwise(
            token.replace_strict(_CURRENCY_CODES, default=None, return_dtype=pl.String))

    any_dollar = (g.struct.field("c1") == "$") | (g.struct.field("c2") == "$")
    cur = pl.coalesce(code(g.struct.field("c1")), code(g.struct.field("c2")),
                      code(g.struct.field("c3")),
                      pl.when(any_dollar.fill_null(False)).then(pl.lit(bare_dollar)))
    is_zh = pl.col("lang") == "zh"
    currency = (
        pl.when(pl.col("salary_evidence").is_null()).then(pl.lit(None, dtype=pl.String))
        .when(cur == "YEN").then(pl.when(is_zh).then(pl.lit("CNY")).otherwise(pl.lit("JPY")))
        .when(cur.is_not_null()).then(cur)
        .when(is_zh).then(pl.lit("CNY"))
        .otherwise(pl.lit(default_currency, dtype=pl.String))
    )
    stated = pl.lit(None, dtype=pl.String)
    for name, pattern in reversed(_PERIOD_PATTERNS.items()):
        stated = pl.when(cand.str.contains(pattern)).then(pl.lit(name)).otherwise(stated)
    ref = pl.col("_sal_ref")
    yearly_from = pl.col("salary_currency").replace_strict(
        YEARLY_FROM, default=YEARLY_FROM_DEFAULT, return_dtype=pl.Float64
    )
    is_cny = pl.col("salary_currency") == "CNY"
    inferred = (
        # Chinese boards' "15-25K" / "8千" is monthly whatever the amount.
        pl.when(is_cny & pl.col("_sal_mult").is_in(["k", "千"])).then(pl.lit("month"))
        .when(ref >= yearly_from).then(pl.lit("year"))
        .when((pl.col("salary_currency") == "CNY") & (ref >= CNY_MONTHLY_FROM)).then(pl.lit("month"))
        .when((pl.col("salary_currency") != "CNY") & (ref < HOURLY_BELOW)).then(pl.lit("hour"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    months = cand.str.extract(r"[·•*x×]\s*(\d{2})\s*薪", 1).cast(pl.Int32, strict=False)
    per_year = (
        pl.when(pl.col("salary_period") == "hour").then(HOURS_PER_YEAR)
        .when(pl.col("salary_period") == "day").then(DAYS_PER_YEAR)
        .when(pl.col("salary_period") == "week").then(WEEKS_PER_YEAR)
        .when(pl.col("salary_period") == "biweek").then(BIWEEKS_PER_YEAR)
        .when(pl.col("salary_period") == "month")
        .then(pl.coalesce(pl.col("salary_months").cast(pl.Float64), pl.lit(MONTHS_PER_YEAR)))
        .when(pl.col("salary_period") == "year").then(1.0)
    )
    amin, amax = pl.col("_amin"), pl.col("_amax")
    mid = pl.coalesce((amin + amax) / 2, amin, amax)
    status = (
        pl.when(cand.is_null() & pl.col("_sal_negotiable")).then(pl.lit("negotiable"))
        .when(cand.is_null()).then(pl.lit("absent"))
        .when(pl.col("_smin").is_null() & pl.col("_smax").is_null()).then(pl.lit("unparsed"))
        .when(pl.col("_smin").is_not_null() & pl.col("_smax").is_not_null()
              & (pl.col("_smax") < pl.col("_smin"))).then(pl.lit("inverted_range"))
        .when(pl.col("_smin").is_not_null() & (pl.col("_smin") > 0)
              & (pl.col("_smax") / pl.col("_smin") > MAX_RANGE_RATIO)).then(pl.lit("implausible_range"))
        .when(pl.col("salary_currency").is_null()).then(pl.lit("currency_unknown"))
        .when(pl.col("salary_period").is_null()).then(pl.lit("period_unknown"))
        .when(mid < _bounds(pl.col("salary_currency"), 0)).then(pl.lit("absurd_low"))
        .when(mid > _bounds(pl.col("salary_currency"), 1)).then(pl.lit("absurd_high"))
        .otherwise(pl.lit("ok"))
    )
    usable = pl.col("salary_status").is_in(["ok", "currency_unknown"])
    return [
        [candidate.alias("salary_evidence"), negotiable.alias("_sal_negotiable")],
        [cand.str.extract_groups(_PARSE).alias("_sal_groups")],
        [
            pl.when(up_to & hi_raw.is_null()).then(None).otherwise(lo).alias("_smin"),
            pl.when(up_to & hi_raw.is_null()).then(lo)
            .when(from_ & hi_raw.is_null()).then(None)
            .otherwise(pl.coalesce(hi, lo)).alias("_smax"),
            currency.alias("salary_currency"),
            months.alias("salary_months"),
        ],
        [
            pl.coalesce(pl.col("_smax"), pl.col("_smin")).alias("_sal_ref"),
            pl.coalesce(g.struct.field("m2"), g.struct.field("m1")).alias("_sal_mult"),
        ],
        [pl.coalesce(stated, inferred).alias("salary_period")],
        [(pl.col("_smin") * per_year).alias("_amin"), (pl.col("_smax") * per_year).alias("_amax")],
        [status.alias("salary_status")],
        [
            pl.when(usable).then(pl.col("_smin")).alias("salary_min"),
            pl.when(usable).then(pl.col("_smax")).alias("salary_max"),
            pl.when(usable).then(pl.col("_amin")).alias("salary_annual_min"),
            pl.when(usable).then(pl.col("_amax")).alias("salary_annual_max"),
            pl.when(usable).then(reference_currency(pl.col("salary_currency")))
            .alias("salary_ref_currency"),
            (pl.col("salary_evidence").is_not_null()
             & (pl.col("salary_evidence").str.contains(_OTE)
                | pl.col("_sal_text_ote").fill_null(False))).alias("salary_ote"),
        ],
        [
            to_reference(pl.col("salary_annual_min"), pl.col("salary_currency"), pl.col("_year"))
            .alias("salary_annual_min_ref"),
            to_reference(pl.col("salary_annual_max"), pl.col("salary_currency"), pl.col("_year"))
            .alias("salary_annual_max_ref"),
        ],
    ]
