# ruff: noqa: E501  (Chinese sentences are kept whole, one per line)
"""Every word the report, ``compare`` and the web page show, in Chinese and English, in one place.

``t(key, lang)`` returns the text; a key missing in one language is a bug the tests catch
(every key has both). Figure labels fall back to the figure's English description.
"""

from __future__ import annotations

LANGS = ("zh", "en")

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "内卷与 AI：模型自己的结果", "en": "Involution and AI: the model's own results"},
    "subtitle": {
        "zh": "本报告用 neijuan 模拟器、图谱与数据重新计算文章的论证；每幅图注明情景、种子数、数据与代码版本，"
              "阴影带为种子间 5–95% 区间。",
        "en": "This report recomputes the essay's argument with the neijuan simulator, atlas and "
              "data; every figure states its scenario, seeds, data and code versions, and its "
              "band is the 5-95% range over seeds."},
    "contents": {"zh": "目录", "en": "Contents"},
    "generated": {"zh": "生成于", "en": "Generated"},
    "scenario": {"zh": "情景", "en": "scenario"},
    "seeds": {"zh": "种子", "en": "seeds"},
    "workers": {"zh": "劳动者", "en": "workers"},
    "periods": {"zh": "季度", "en": "quarters"},
    "code": {"zh": "代码版本", "en": "code"},
    "data": {"zh": "数据", "en": "data"},
    "economy": {"zh": "经济体", "en": "economy"},
    "year": {"zh": "年份", "en": "year"},
    "with_ai": {"zh": "有 AI", "en": "with AI"},
    "no_ai": {"zh": "无 AI 对照", "en": "no-AI twin"},
    "band": {"zh": "5–95% 区间", "en": "5-95% range"},
    "figure": {"zh": "指标", "en": "figure"},
    "level": {"zh": "水平", "en": "level"},
    "ai_effect": {"zh": "AI 效应", "en": "AI effect"},
    "range": {"zh": "5–95%", "en": "5-95%"},
    "unit": {"zh": "单位", "en": "unit"},
    "absent": {"zh": "此节数据缺失", "en": "Data for this section is absent"},
    "essay_figure": {"zh": "文章的数字", "en": "the essay's figure"},
    "source_figure": {"zh": "来源的数字", "en": "the source's figure"},
    "model_figure": {"zh": "模型的数字", "en": "the model's figure"},
    "effect_note": {
        "zh": "AI 效应 = 本次运行减去同种子、关闭 AI 的对照运行（配对差的 5–95% 区间）。",
        "en": "AI effect = this run minus its no-AI twin with the same seeds (5-95% range of the "
              "paired difference)."},
    # sections
    "s_mechanism": {"zh": "一、内卷的机制", "en": "1. The mechanism of involution"},
    "s_mechanism_p": {
        "zh": "AI 提高产出，但岗位并未随之增加；更多的人为同样的位置付出更多努力。下图比较每个岗位的努力与每个岗位的实际回报。",
        "en": "AI raises output while positions do not grow with it; more people put more effort "
              "into the same positions. Below: effort per position against the real reward per "
              "position."},
    "s_productivity": {"zh": "生产率与就业", "en": "Productivity against employment"},
    "s_productivity_p": {
        "zh": "人均产出上升，而就业与岗位增长停滞：产出的增长没有变成人的空间。",
        "en": "Output per employed person rises while employment and positions stall: growth "
              "of output does not become room for people."},
    "s_geertz": {"zh": "格尔茨与 AI", "en": "Geertz against AI"},
    "s_geertz_p": {
        "zh": "格尔茨的“农业内卷”：土地固定、劳动力增长，总产出上升而人均产出和边际产出下降。AI 的情形不同：人均产出上升，但岗位不增加。",
        "en": "Geertz's agricultural involution: fixed land and a growing labour force, total "
              "output up, output per worker and the marginal product down. With AI it differs: "
              "output per worker rises, positions do not."},
    "s_elasticity": {"zh": "需求弹性的边界", "en": "The demand-elasticity boundary"},
    "s_elasticity_p": {
        "zh": "同样的 AI，在需求缺乏弹性（ai-baseline）与需求富有弹性（jevons）时结果相反：弹性足够大时岗位增长，内卷指数转负。需求对收入的反应同样关键：把需求一方也拟合到 2018–2024 年的数字（ai-demand-fitted），收入弹性升至 1.04，失业率回到 4%，内卷不再出现；这些数字无法在两者之间作出裁决。",
        "en": "The same AI gives opposite results with inelastic demand (ai-baseline) and "
              "elastic demand (jevons): when demand is elastic enough, positions grow and the "
              "involution index turns negative. How demand answers income matters as much: "
              "with the demand side fitted to the 2018-2024 figures too (ai-demand-fitted), "
              "the income elasticity rises to 1.04, unemployment returns to 4% and involution "
              "no longer appears; these figures cannot choose between the two."},
    "s_polarization": {"zh": "二、极化、技能与学历", "en": "2. Polarization, skills against degrees"},
    "s_polarization_p": {
        "zh": "中等技能岗位的就业份额变化、各层级工资，以及招聘中学历权重的下降（技能本位招聘）。",
        "en": "Employment shares by wage tier, wages by tier, and the falling weight of the "
              "degree in screening (skill-based hiring)."},
    "s_retained": {"zh": "三、被留用，还是被需要", "en": "3. Retained against needed"},
    "s_retained_p": {
        "zh": "“被留用但不被需要”的就业者份额，以及花在防御性复核上的时间。",
        "en": "The share of the employed who are retained but not needed, and time spent on "
              "defensive review."},
    "s_agency": {"zh": "四、能动性与归责", "en": "4. Agency and blame"},
    "s_agency_p": {
        "zh": "人在决策中的权限份额与被归责份额：差距即“责任回到点确认的人身上”。agency-preserving 情景让责任跟随权限。",
        "en": "People's share of decision authority and of blame: the gap is blame landing on "
              "whoever clicked 'confirm'. The agency-preserving scenario lets liability follow "
              "authority."},
    "s_atlas": {"zh": "五、图谱中的证据", "en": "5. The evidence in the atlas"},
    "s_atlas_p": {
        "zh": "职业的 AI 暴露度与工资（O*NET、BLS OEWS 与公开暴露指数），以及各指数之间的一致与分歧。",
        "en": "Occupations' AI exposure against wage (O*NET, BLS OEWS and published exposure "
              "indices), and where the indices agree and disagree."},
    "s_ads": {"zh": "六、招聘广告", "en": "6. The job ads"},
    "s_ads_p": {
        "zh": "招聘广告中 AI 技能需求与学历要求的份额（Wilson 95% 区间）。",
        "en": "Shares of job ads asking for AI skill and requiring a degree (Wilson 95% "
              "intervals)."},
    "s_claims": {"zh": "七、论断核查", "en": "7. The claims check"},
    "s_claims_p": {
        "zh": "文章引用的数字、来源实际给出的数字、以及模型或数据重新计算的数字。",
        "en": "The essay's figure, the source's figure, and the figure the model or the data "
              "gives."},
    "s_calibration": {"zh": "校准与敏感性", "en": "Calibration and sensitivity"},
    "s_summary": {"zh": "附录：全部指标", "en": "Appendix: every figure"},
    "absent_ads": {
        "zh": "没有提供招聘广告分析结果：先运行 `neijuan ads analyze ... --out DIR`，再用 `neijuan report --ads DIR`。",
        "en": "No job-ads analysis given: run `neijuan ads analyze ... --out DIR`, then "
              "`neijuan report --ads DIR`."},
    "absent_atlas": {
        "zh": "找不到图谱所需的公开数据（NEIJUAN_DATA_DIR 或 ../shared/data）：`neijuan data status` 显示缺少什么。",
        "en": "The public data the atlas needs was not found (NEIJUAN_DATA_DIR or "
              "../shared/data): `neijuan data status` shows what is missing."},
    "absent_calibration": {
        "zh": "找不到与 ai-baseline 一同发布的拟合报告（ai-baseline.fit.json）：运行 `neijuan calibrate --out DIR` 生成。",
        "en": "The fit report shipped with ai-baseline (ai-baseline.fit.json) was not found: "
              "`neijuan calibrate --out DIR` makes one."},
    "s_calibration_p": {
        "zh": "默认情景 ai-baseline 的参数由模拟矩估计（neijuan calibrate）拟合到 2018–2024 年的公开数字：下表列出每个拟合参数及其 90% 区间与搜索范围，以及每个公开数字与拟合后模型的对照（在拟合之内，或留作样本外检验）。未拟合的参数为 docs/model.md 中注明来源的手工设定值。需求一方（价格传导与需求的收入弹性）不在拟合之内：若一并拟合（情景 ai-demand-fitted），收入弹性升至 1.04，2024 年失业率落到 4.0%，内卷随之消失；但这些数字无法确定这两个参数（区间覆盖整个搜索范围）。内卷是否出现，取决于需求如何随收入增长。",
        "en": "The default scenario ai-baseline has its parameters fitted to the published "
              "2018-2024 figures by simulated method of moments (neijuan calibrate): below, each "
              "fitted parameter with its 90% interval and search box, and each published figure "
              "against the fitted model, in the fit or held out as an out-of-sample check. The "
              "parameters not fitted are the hand-set values of docs/model.md, each with its "
              "source. The demand side (price pass-through and the income elasticity of demand) "
              "is not in the fit: fitted too (scenario ai-demand-fitted), the income elasticity "
              "rises to 1.04, 2024 unemployment lands at 4.0%, and involution disappears; but "
              "these figures do not identify the two (their intervals span their boxes). Whether "
              "involution appears depends on how demand grows with income."},
    "parameter": {"zh": "参数", "en": "parameter"},
    "fitted": {"zh": "拟合值", "en": "fitted"},
    "interval90": {"zh": "90% 区间", "en": "90% interval"},
    "box": {"zh": "搜索范围", "en": "search box"},
    "target": {"zh": "目标", "en": "target"},
    "tolerance": {"zh": "容差", "en": "tolerance"},
    "within": {"zh": "落入容差", "en": "within"},
    "in_fit": {"zh": "纳入拟合", "en": "in the fit"},
    "held_out": {"zh": "样本外", "en": "held out"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "objective": {"zh": "目标函数", "en": "distance"},
    "evaluations": {"zh": "次评估", "en": "evaluations"},
    "exposure_wage": {"zh": "暴露度与工资", "en": "Exposure against wage"},
    "median_wage": {"zh": "年工资中位数（美元）", "en": "median annual wage (USD)"},
    "exposure": {"zh": "暴露度", "en": "exposure"},
    "by_decile": {"zh": "按工资十分位的暴露度（各指数标准化）", "en": "Exposure by wage decile (each index standardised)"},
    "decile": {"zh": "工资十分位", "en": "wage decile"},
    "rank_corr": {"zh": "指数之间的秩相关", "en": "Rank correlation between indices"},
    "share_ai_ads": {"zh": "要求 AI 技能的广告份额", "en": "share of ads asking for AI skill"},
    "share_degree": {"zh": "要求学历的广告份额", "en": "share of ads requiring a degree"},
    "compare_title": {"zh": "情景比较", "en": "Scenario comparison"},
    "claim": {"zh": "论断", "en": "claim"},
    "recomputed": {"zh": "重新计算", "en": "recomputed"},
    "window": {"zh": "时间窗", "en": "window"},
    "source": {"zh": "来源", "en": "source"},
    "verdict": {"zh": "说明", "en": "note"},
    "pdf_needs_chromium": {
        "zh": "--pdf 需要 Chromium（apt-get install chromium）", "en":
        "--pdf needs Chromium (apt-get install chromium)"},
    # web page
    "run": {"zh": "运行", "en": "Run"},
    "running": {"zh": "运行中", "en": "running"},
    "done": {"zh": "完成", "en": "done"},
    "failed": {"zh": "失败", "en": "failed"},
    "queued": {"zh": "排队中", "en": "queued"},
    "parameters": {"zh": "主要参数", "en": "Main parameters"},
    "atlas": {"zh": "职业图谱", "en": "Occupation atlas"},
    "search": {"zh": "搜索职业", "en": "Search occupations"},
    "tasks": {"zh": "任务", "en": "tasks"},
    "indices": {"zh": "暴露指数", "en": "exposure indices"},
    "simulator": {"zh": "模拟器", "en": "Simulator"},
    "results": {"zh": "结果", "en": "Results"},
    "claims": {"zh": "论断核查", "en": "Claims check"},
}

# Chinese titles of the groups of neijuan.sim.figures.GROUPS (English: the keys themselves).
GROUP_ZH: dict[str, str] = {
    "Output rises, the room for people does not": "产出上升，人的空间没有",
    "More effort for the same reward (involution)": "同样的回报，更多的努力（内卷）",
    "Screened and ranked: degrees, skills, AI skill": "被筛选与排序：学历、技能、AI 技能",
    "Retained, or needed? Agency, credit and blame": "被留用，还是被需要？能动性、功劳与归责",
    "Who gains: polarization and wages": "谁获益：极化与工资",
    "Output on fixed land (Geertz)": "固定土地上的产出（格尔茨）",
}

# Chinese names of the figures the report plots (English falls back to the description).
FIGURE_ZH: dict[str, str] = {
    "effort_per_position": "每岗位努力（小时/周）",
    "real_reward_per_position": "每岗位实际回报",
    "output_per_employed": "人均产出",
    "employment": "就业",
    "positions": "岗位",
    "output": "总产出",
    "marginal_product_of_labour": "劳动边际产出",
    "unemployment_rate": "失业率",
    "involution_index": "内卷指数",
    "productivity_growth": "生产率增长",
    "employment_growth": "就业增长",
    "positions_growth": "岗位增长",
    "employment_share_low": "低工资层就业份额",
    "employment_share_mid": "中等工资层就业份额",
    "employment_share_high": "高工资层就业份额",
    "employment_share_ai": "AI 专家层就业份额",
    "relative_wage_low": "低工资层相对工资",
    "relative_wage_mid": "中等工资层相对工资",
    "relative_wage_high": "高工资层相对工资",
    "degree_weight": "学历在筛选中的权重",
    "degree_required_share": "要求学历的招聘份额",
    "ai_wage_premium": "AI 技能工资溢价",
    "retained_not_needed_share": "被留用但不被需要的份额",
    "defensive_review_share": "防御性复核时间份额",
    "agency_index": "能动性指数",
    "authority_share": "人的权限份额",
    "blame_share": "人的归责份额",
    "blame_authority_gap": "归责-权限差距",
    "credit_share": "人的功劳份额",
    "adoption": "AI 采用率",
    "contest_share": "竞争性岗位份额",
    "applicants_per_position": "每岗位候选人",
    "rent_dissipation": "租金耗散",
    "effort_not_output_share": "未转化为产出的努力份额",
    "output_per_land": "单位土地产出",
    "wage_gini": "工资基尼系数",
    "effort_per_position_growth": "每岗位努力的增长",
    "real_reward_growth": "每岗位实际回报的增长",
    "relative_wage_growth_low": "低工资层相对工资的增长",
    "relative_wage_growth_mid": "中等工资层相对工资的增长",
    "relative_wage_growth_high": "高工资层相对工资的增长",
    "polarization_low": "低工资层就业份额的变化",
    "polarization_mid": "中等工资层就业份额的变化",
    "polarization_high": "高工资层就业份额的变化",
    "degree_weight_change": "学历权重的变化",
    "ai_skill_return": "同岗同技能下 AI 技能的回报",
    "productivity_employment_gap": "生产率增长减就业增长",
    "real_wage_growth": "实际工资增长",
}


def t(key: str, lang: str) -> str:
    """The text of ``key`` in ``lang`` (``zh`` or ``en``)."""
    return TEXT[key][lang]


def check_lang(lang: str) -> str:
    """``lang`` if it is one we write, else a clear error."""
    from neijuan.errors import ConfigError

    if lang not in LANGS:
        raise ConfigError(f"--lang {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def figure_label(name: str, lang: str, fallback: str = "", short: bool = False) -> str:
    """A figure's name for people: Chinese where we have it, else its description (``short``:
    the figure's name when the description is too long for a plot title)."""
    if lang == "zh" and name in FIGURE_ZH:
        return FIGURE_ZH[name]
    text = fallback
    if not text:
        from neijuan.sim.figures import PERIOD_FIGURES, RUN_FIGURES

        fig = RUN_FIGURES.get(name) or PERIOD_FIGURES.get(name)
        text = fig.description if fig is not None else name
    if short and len(text) > 45:
        return name.replace("_", " ")
    return text
