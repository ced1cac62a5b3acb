"""Labelled relevance: does the Whoosh backend find what a reviewer or an archivist expects?

One index holds 1,500 generated background records (``bench.search_corpus``) plus 40 hand-written
"target" records with distinctive but realistic content: three inspection chains (有限空间 at a
chemical works, 液氨制冷 at a cold-chain company, a 受限空间 sewage pit), a 粉尘涉爆 penalty case
with its decision, payment slip and case file, near-miss numbers, OCR'd attachments whose line
breaks fall inside words. Each labelled query names the targets a user would expect on the first
page; the suite checks recall@10 over them, that numbers are matched exactly, and that totals agree
with the scanning oracle (``MemoryBackend``) and with a plain substring scan.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from anjuan.indexing.analysis import looks_like_number, squeeze
from anjuan.indexing.api import IndexDoc, SearchRequest, SearchResult, Visibility
from anjuan.indexing.memory import MemoryBackend
from anjuan.indexing.query import And, Match, Node, Not, Or, Range, parse
from anjuan.indexing.whoosh_backend import WhooshBackend

from bench.search_corpus import generate

ALL = Visibility.all()
BACKGROUND = 1500
SEED = 11
RECALL_FLOOR = 0.9

# ── targets ────────────────────────────────────────────────────────────────────────────────────
# Organisations as the corpus numbers them (bench.search_corpus._build_orgs): id, path, name.
YAODU = {"org_id": 53, "org_path": (53, 11, 1), "org_name": "临汾市尧都区应急管理局"}
LINFEN = {"org_id": 11, "org_path": (11, 1), "org_name": "临汾市应急管理局"}
HOUMA = {"org_id": 54, "org_path": (54, 11, 1), "org_name": "侯马市应急管理局"}
QUWO = {"org_id": 56, "org_path": (56, 11, 1), "org_name": "临汾市曲沃县应急管理局"}
HONGTONG = {"org_id": 57, "org_path": (57, 11, 1), "org_name": "临汾市洪洞县应急管理局"}
XIANGFEN = {"org_id": 58, "org_path": (58, 11, 1), "org_name": "临汾市襄汾县应急管理局"}

XINDA = "临汾市尧都区鑫达化工有限公司"
XINDA_CODE = "91141002MA0JX5TD3P"
JINLAN = "临汾市尧都区锦岚铝制品有限公司"
JINLAN_CODE = "91141002MA0K1234EY"
RUIXUE = "临汾市洪洞县瑞雪冷链物流有限公司"
RUIXUE_CODE = "91141024MA0LQ8RX6U"
JINDING = "侯马市晋鼎食品有限公司"
JINDING_CODE = "91141081MA0H7Q2W5K"

CASE_A = {  # 鑫达: 有限空间 inspection chain, 2023
    **YAODU,
    "case_id": 9001,
    "case_name": f"{XINDA}2023年第1季度安全生产现场检查",
    "party": XINDA,
    "credit_code": XINDA_CODE,
    "handlers": ("张伟", "李娜"),
    "creator": "zhangwei",
    "industry": "化工",
    "status": "issued",
}
CASE_A2 = {  # 鑫达 again in 2025: 动火作业, other officers
    **CASE_A,
    "case_id": 9008,
    "case_name": f"{XINDA}2025年第2季度安全生产现场检查",
    "handlers": ("李娜", "郭亮"),
    "creator": "lina",
}
CASE_B = {  # 锦岚: 粉尘涉爆 penalty case, general procedure
    **LINFEN,
    "case_id": 9002,
    "case_name": f"{JINLAN}粉尘涉爆违法案",
    "party": JINLAN,
    "credit_code": JINLAN_CODE,
    "case_no": "（晋临）应急立〔2023〕12号",
    "handlers": ("王建国", "赵晓峰"),
    "creator": "wangjianguo",
    "industry": "粉尘涉爆",
    "procedure": "general",
    "status": "issued",
}
CASE_C = {  # 瑞雪: 液氨制冷 inspection chain, 2024
    **HONGTONG,
    "case_id": 9003,
    "case_name": f"{RUIXUE}2024年第3季度安全生产现场检查",
    "party": RUIXUE,
    "credit_code": RUIXUE_CODE,
    "handlers": ("刘海涛", "陈静"),
    "creator": "liuhaitao",
    "industry": "涉氨制冷",
    "status": "issued",
}
CASE_D = {  # 晋鼎: 受限空间 sewage pit, 2022
    **HOUMA,
    "case_id": 9004,
    "case_name": f"{JINDING}2022年第3季度安全生产现场检查",
    "party": JINDING,
    "credit_code": JINDING_CODE,
    "handlers": ("韩磊", "周敏"),
    "creator": "hanlei",
    "industry": "食品",
    "status": "issued",
}


def _t(n: int, kind: str, title: str, text: str, **fields: Any) -> IndexDoc:
    return IndexDoc(key=f"t:{n}", kind=kind, title=title, text=text, **fields)


def _lines(*parts: str) -> str:
    return "\n".join(parts)


TARGETS: list[IndexDoc] = [
    # ── case A: 鑫达化工, 有限空间 ──
    _t(
        1,
        "document",
        f"{XINDA}现场检查方案",
        _lines(
            "临汾市尧都区应急管理局",
            "现场检查方案",
            "（晋临尧）应急检查〔2023〕31号",
            f"被检查单位：{XINDA}",
            "地址：山西省临汾市尧都区屯里镇工业园区鑫达路8号",
            "检查时间：2023年3月14日",
            "检查人员：张伟、李娜",
            "检查事项：有限空间作业安全管理专项检查。重点检查污水处理站调节池、"
            "反应釜、储罐等有限空间的作业审批、通风、监护和应急救援措施落实情况。",
            "检查方式：查阅资料、现场检查、询问有关人员。",
            "审批意见：同意。签名：邓晓琳　2023年3月10日",
        ),
        form="inspection_plan",
        form_name="现场检查方案",
        number="（晋临尧）应急检查〔2023〕31号",
        issued=dt.date(2023, 3, 10),
        **CASE_A,
    ),
    _t(
        2,
        "document",
        f"{XINDA}现场检查记录",
        _lines(
            "临汾市尧都区应急管理局",
            "现场检查记录",
            "（晋临尧）应急检记〔2023〕31号",
            f"被检查单位：{XINDA}",
            f"统一社会信用代码：{XINDA_CODE}",
            "法定代表人：田志强　职务：总经理",
            "检查场所：污水处理站、罐区、生产车间",
            "检查时间：2023年3月14日9时30分至11时40分",
            "执法人员：张伟　执法证号：14100219001　李娜　执法证号：14100219002",
            "检查情况：执法人员出示执法证件，告知陪同人员有关权利义务。经检查发现：",
            "1. 污水处理站3号调节池清淤作业属有限空间作业，作业前未履行审批手续；",
            "2. 有限空间作业未进行气体检测，现场未配备气体检测报警仪和机械通风设备；",
            "3. 有限空间作业现场未设置监护人员，未配备呼吸器、安全绳等应急救援装备；",
            "4. 未对有限空间作业人员进行专项安全培训。",
            "上述情况经现场负责人田志强确认。",
            "被检查单位现场负责人（签名）：田志强　检查人员（签名）：张伟、李娜",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临尧）应急检记〔2023〕31号",
        issued=dt.date(2023, 3, 14),
        **CASE_A,
    ),
    _t(
        3,
        "document",
        f"{XINDA}责令限期整改指令书",
        _lines(
            "临汾市尧都区应急管理局",
            "责令限期整改指令书",
            "（晋临尧）应急责改〔2023〕31号",
            f"{XINDA}：",
            "经查，你单位存在下列问题：",
            "1. 有限空间作业未进行气体检测，污水处理站3号调节池清淤作业前未检测氧含量、硫化氢和可燃气体浓度；",
            "2. 有限空间作业未履行审批手续，未安排专人监护；",
            "3. 未按规定对有限空间作业人员进行专项安全培训。",
            "上述行为违反了《工贸企业有限空间作业安全规定》第十二条和《中华人民共和国安全生产法》"
            "第二十八条第一款的规定。依据《中华人民共和国安全生产法》第六十五条第一款第（三）项的规定，"
            "现责令你单位于2023年4月14日前整改完毕，达到有关法律法规规章和标准规定的要求。",
            "整改期间，你单位应当采取措施，确保安全生产。本机关将在整改期限届满后进行复查，"
            "对逾期未整改的，依法予以处理。",
            "如果不服本指令，可以依法在60日内向临汾市尧都区人民政府申请行政复议，"
            "或者在6个月内依法向临汾市尧都区人民法院提起行政诉讼。",
            "执法人员：张伟、李娜",
            "临汾市尧都区应急管理局　2023年3月14日",
        ),
        form="rectification_order",
        form_name="责令限期整改指令书",
        number="（晋临尧）应急责改〔2023〕31号",
        issued=dt.date(2023, 3, 14),
        **CASE_A,
    ),
    _t(
        4,
        "attachment",
        "现场照片说明（污水处理站3号调节池）",
        # OCR of a photo sheet: the scanner breaks lines anywhere, also inside words
        f"{XINDA}现场照片说明\n"
        "拍摄地点：山西省临汾市尧都区屯里镇工业园区鑫达路8号污水处理站\n"
        "拍摄人：张伟、李娜\n"
        "照片1：污水处理站3号调节池有限\n空间入口，入口盖板已打开，未设置围挡和警\n示标志。"
        "拍摄时间：2023年3月14日9时52分。\n"
        "照片2：调节池内两名作业人员正在清淤，现场未配备气\n体检测报警仪，未设置机械通风设备，"
        "有限空间作业未进行气体\n检测。拍摄时间：2023年3月14日9时55分。\n"
        "照片3：作业现场无监护人员，未见呼吸器和安全绳等应急救援装\n备。"
        "拍摄时间：2023年3月14日10时03分。\n"
        "证明对象：有限空间作业相关违法事实。\n",
        form="",
        form_name="现场照片",
        issued=dt.date(2023, 3, 14),
        **CASE_A,
    ),
    _t(
        5,
        "attachment",
        f"{XINDA}营业执照（副本）复印件",
        _lines(
            "营业执照（副本）",
            f"统一社会信用代码：{XINDA_CODE}",
            f"名称：{XINDA}",
            "类型：有限责任公司（自然人投资或控股）",
            "法定代表人：田志强",
            "注册资本：2000万元整",
            "成立日期：2009年6月18日",
            "住所：山西省临汾市尧都区屯里镇工业园区鑫达路8号",
            "经营范围：聚合氯化铝、硫酸铝、水处理剂的生产、销售。（依法须经批准的项目，"
            "经相关部门批准后方可开展经营活动）",
            "登记机关：临汾市尧都区市场监督管理局",
        ),
        form="",
        form_name="当事人主体资格证明",
        issued=dt.date(2023, 3, 14),
        **CASE_A,
    ),
    _t(
        6,
        "document",
        f"{XINDA}整改复查意见书",
        _lines(
            "临汾市尧都区应急管理局",
            "整改复查意见书",
            "（晋临尧）应急复查〔2023〕31号",
            f"{XINDA}：",
            "本机关于2023年3月14日作出了责令限期整改的决定（（晋临尧）应急责改〔2023〕31号），"
            "经2023年4月18日对你单位整改情况进行复查，提出如下意见：",
            "整改情况：☑已全部整改　☐部分整改　☐未整改",
            "经复查，你单位已修订有限空间作业审批制度，配备四合一气体检测报警仪2台、轴流风机2台、"
            "正压式空气呼吸器2套，有限空间作业前严格执行“先通风、再检测、后作业”，"
            "并对12名有限空间作业人员进行了专项安全培训。上述问题已整改完毕。",
            "复查人员：张伟、李娜",
            "临汾市尧都区应急管理局　2023年4月18日",
        ),
        form="reinspection_opinion",
        form_name="整改复查意见书",
        number="（晋临尧）应急复查〔2023〕31号",
        issued=dt.date(2023, 4, 18),
        **CASE_A,
    ),
    _t(
        7,
        "casefile",
        f"关于{XINDA}安全生产现场检查 卷宗",
        _lines(
            "临汾市尧都区应急管理局",
            "安全生产行政执法检查案卷",
            f"案件名称：{XINDA}2023年第1季度安全生产现场检查",
            f"当事人：{XINDA}",
            f"统一社会信用代码：{XINDA_CODE}",
            "案由：有限空间作业安全专项检查",
            "处理结果：责令限期整改，复查合格",
            "检查日期：2023年3月14日　结案日期：2023年4月18日",
            "承办人：张伟、李娜",
            "归档日期：2023年5月10日",
            "档号：Z053-ZF·2023-D30-0031",
            "保管期限：30年",
            "卷内目录",
            "1　现场检查方案（（晋临尧）应急检查〔2023〕31号）　临汾市尧都区应急管理局　2023年3月10日　1-2",
            "2　现场检查记录（（晋临尧）应急检记〔2023〕31号）　临汾市尧都区应急管理局　2023年3月14日　3-4",
            "3　责令限期整改指令书（（晋临尧）应急责改〔2023〕31号）　临汾市尧都区应急管理局　2023年3月14日　5-6",
            "4　现场照片说明　临汾市尧都区应急管理局　2023年3月14日　7-7",
            "5　整改复查意见书（（晋临尧）应急复查〔2023〕31号）　临汾市尧都区应急管理局　2023年4月18日　8-9",
            "备考表",
            "本案卷共有文件材料5件，共9页，其中文字材料8页，照片3张。",
            "案件摘要：2023年3月14日，执法人员张伟、李娜对该单位开展有限空间作业专项检查，"
            "发现污水处理站调节池清淤作业有限空间作业未进行气体检测，未履行审批手续，"
            "未设置监护人员，当场下达责令限期整改指令书。2023年4月18日复查，问题已整改完毕。",
        ),
        form="",
        form_name="案卷",
        file_no="Z053-ZF·2023-D30-0031",
        filed=dt.date(2023, 5, 10),
        **{**CASE_A, "status": "filed"},
    ),
    # ── case A2: 鑫达化工 again, 2025, 动火作业 ──
    _t(
        8,
        "document",
        f"{XINDA}现场检查记录",
        _lines(
            "临汾市尧都区应急管理局",
            "现场检查记录",
            "（晋临尧）应急检记〔2025〕18号",
            f"被检查单位：{XINDA}",
            "检查场所：罐区、维修车间",
            "检查时间：2025年6月11日14时10分至16时00分",
            "执法人员：李娜　执法证号：14100219002　郭亮　执法证号：14100219007",
            "经检查发现：",
            "1. 罐区硫酸储罐检修动火作业未办理动火作业许可证，现场未安排专人监护；",
            "2. 动火作业点周边10米范围内堆放有可燃物，未配备灭火器材；",
            "3. 危险化学品仓库内硫酸与液碱混存，未按规定分区分类隔离储存。",
            "被检查单位现场负责人（签名）：田志强",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临尧）应急检记〔2025〕18号",
        issued=dt.date(2025, 6, 11),
        **CASE_A2,
    ),
    _t(
        9,
        "document",
        f"{XINDA}责令限期整改指令书",
        _lines(
            "临汾市尧都区应急管理局",
            "责令限期整改指令书",
            "（晋临尧）应急责改〔2025〕18号",
            f"{XINDA}：",
            "经查，你单位存在下列问题：",
            "1. 动火作业未办理动火作业许可证，未安排专人监护；",
            "2. 危险化学品未按规定分区分类隔离储存。",
            "现责令你单位于2025年7月11日前整改完毕。本机关将在整改期限届满后进行复查。",
            "执法人员：李娜、郭亮",
            "临汾市尧都区应急管理局　2025年6月11日",
        ),
        form="rectification_order",
        form_name="责令限期整改指令书",
        number="（晋临尧）应急责改〔2025〕18号",
        issued=dt.date(2025, 6, 11),
        **CASE_A2,
    ),
    # ── case B: 锦岚铝制品, 粉尘涉爆, penalty ──
    _t(
        10,
        "document",
        f"{JINLAN}现场检查记录",
        _lines(
            "临汾市应急管理局",
            "现场检查记录",
            "（晋临）应急检记〔2023〕15号",
            f"被检查单位：{JINLAN}",
            f"统一社会信用代码：{JINLAN_CODE}",
            "地址：山西省临汾市尧都区河汾路工业集中区168号",
            "法定代表人：孙志刚　职务：执行董事",
            "检查场所：抛光车间、除尘器区域",
            "检查时间：2023年5月6日9时00分至11时20分",
            "执法人员：王建国　执法证号：14100019011　赵晓峰　执法证号：14100019012",
            "经检查发现：",
            "1. 铝制品抛光车间属粉尘涉爆场所，除尘系统未按规定设置泄爆装置；",
            "2. 干式除尘器未设置锁气卸灰装置，除尘器灰斗积尘未及时清理；",
            "3. 未建立粉尘清扫制度，抛光车间地面和设备表面铝粉积尘厚度超过1毫米；",
            "4. 粉尘涉爆岗位从业人员未进行粉尘防爆专项安全培训。",
            "被检查单位现场负责人（签名）：孙志刚",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临）应急检记〔2023〕15号",
        issued=dt.date(2023, 5, 6),
        **{**CASE_B, "case_no": ""},  # inspected before the case was opened
    ),
    _t(
        11,
        "document",
        f"{JINLAN}立案审批表",
        _lines(
            "临汾市应急管理局",
            "立案审批表",
            "（晋临）应急立〔2023〕12号",
            f"案件名称：{JINLAN}粉尘涉爆违法案",
            "案件来源：现场检查",
            f"当事人：{JINLAN}　统一社会信用代码：{JINLAN_CODE}",
            "法定代表人：孙志刚",
            "案情摘要：2023年5月6日，执法人员王建国、赵晓峰对该单位进行现场检查，"
            "发现铝制品抛光车间除尘系统未按规定设置泄爆装置，涉嫌违反《工贸企业粉尘防爆安全规定》"
            "第十二条的规定。",
            "承办人意见：建议立案调查。承办人：王建国、赵晓峰　2023年5月8日",
            "审批意见：同意立案。签名：吴琳敏　2023年5月8日",
        ),
        form="case_filing_approval",
        form_name="立案审批表",
        number="（晋临）应急立〔2023〕12号",
        issued=dt.date(2023, 5, 8),
        **CASE_B,
    ),
    _t(
        12,
        "document",
        f"{JINLAN}询问笔录",
        _lines(
            "询问笔录",
            "询问时间：2023年5月10日9时10分至10时20分",
            "询问地点：临汾市应急管理局执法询问室",
            "询问人：王建国　记录人：赵晓峰",
            f"被询问人：孙志刚　性别：男　工作单位：{JINLAN}　职务：执行董事",
            "问：我们是临汾市应急管理局执法人员，这是我们的执法证件，请你过目。",
            "答：看清楚了。",
            "问：你公司抛光车间的除尘系统是否设置了泄爆装置？",
            "答：没有设置。除尘器是2019年安装的，当时没有考虑泄爆。",
            "问：你公司是否属于粉尘涉爆企业？",
            "答：是的，我们打磨抛光产生铝粉尘，属于粉尘涉爆企业。",
            "问：上述情况持续了多长时间？",
            "答：大约四年。",
            "以上笔录我已看过，与我说的一致。被询问人签名：孙志刚",
        ),
        form="inquiry_record",
        form_name="询问笔录",
        issued=dt.date(2023, 5, 10),
        **CASE_B,
    ),
    _t(
        13,
        "attachment",
        f"{JINLAN}作业场所粉尘浓度检测报告",
        # OCR of a test report: breaks inside 粉尘涉爆 and 泄爆装置
        "作业场所粉尘浓度检测报告\n"
        "报告编号：JC2023-4471\n"
        f"委托单位：{JINLAN}\n"
        "检测地点：抛光车间、除尘器区域\n"
        "检测依据：GBZ/T 192.1-2007《工作场所空气中粉尘测定》\n"
        "检测日期：2023年5月9日\n"
        "1. 抛光车间1号工位检测点：总粉尘浓度8.6mg/m³，超过限值，粉尘\n涉爆场所积尘明显。\n"
        "2. 除尘器区域检测点：总粉尘浓度5.2mg/m³。该除尘系统未按规定设置泄\n爆装置，不符合要求。\n"
        "3. 打磨工位检测点：总粉尘浓度3.1mg/m³，符合要求。\n"
        "检测人：杨帆　审核人：贾琳\n",
        form="",
        form_name="证据材料",
        issued=dt.date(2023, 5, 9),
        **CASE_B,
    ),
    _t(
        14,
        "document",
        f"{JINLAN}案件调查报告",
        _lines(
            "临汾市应急管理局",
            "案件调查报告",
            "（晋临）应急终报〔2023〕12号",
            f"案件名称：{JINLAN}粉尘涉爆违法案",
            "调查经过：2023年5月6日，执法人员王建国、赵晓峰对该单位进行现场检查，5月8日立案，"
            "5月10日对法定代表人孙志刚进行询问，调取了粉尘浓度检测报告。",
            "违法事实：该单位铝制品抛光车间属粉尘涉爆场所，除尘系统未按规定设置泄爆装置。",
            "处理意见：当事人的行为违反了《工贸企业粉尘防爆安全规定》第十二条的规定，依据"
            "《中华人民共和国安全生产法》第九十九条第三项的规定，建议对该单位处以罚款人民币叁万元，"
            "对主要负责人孙志刚处以罚款人民币壹万元。",
            "承办人：王建国、赵晓峰　2023年5月26日",
        ),
        form="investigation_report",
        form_name="案件调查报告",
        number="（晋临）应急终报〔2023〕12号",
        issued=dt.date(2023, 5, 26),
        **CASE_B,
    ),
    _t(
        15,
        "document",
        f"{JINLAN}行政处罚告知书",
        _lines(
            "临汾市应急管理局",
            "行政处罚告知书",
            "（晋临）应急罚告〔2023〕12号",
            f"{JINLAN}：",
            "经查，你单位铝制品抛光车间属粉尘涉爆场所，除尘系统未按规定设置泄爆装置，"
            "以上事实有现场检查记录、询问笔录、现场照片等证据为证。",
            "你单位的上述行为违反了《工贸企业粉尘防爆安全规定》第十二条的规定，依据"
            "《中华人民共和国安全生产法》第九十九条第三项的规定，本机关拟作出罚款人民币叁万元整的行政处罚。",
            "根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你单位可在收到本告知书之日起"
            "五日内向本机关进行陈述和申辩，逾期视为放弃上述权利。",
            "临汾市应急管理局　2023年6月2日",
        ),
        form="penalty_notice",
        form_name="行政处罚告知书",
        number="（晋临）应急罚告〔2023〕12号",
        issued=dt.date(2023, 6, 2),
        **CASE_B,
    ),
    _t(
        16,
        "document",
        f"{JINLAN}行政处罚决定书（单位）",
        _lines(
            "临汾市应急管理局",
            "行政处罚决定书（单位）",
            "（晋临）应急罚〔2023〕12号",
            f"被处罚单位：{JINLAN}",
            f"统一社会信用代码：{JINLAN_CODE}",
            "地址：山西省临汾市尧都区河汾路工业集中区168号",
            "法定代表人（负责人）：孙志刚　职务：执行董事",
            "违法事实及证据：2023年5月6日，本机关执法人员王建国、赵晓峰依法对你单位进行现场检查，"
            "发现你单位铝制品抛光车间属粉尘涉爆场所，除尘系统未按规定设置泄爆装置，"
            "干式除尘器未设置锁气卸灰装置。以上事实有现场检查记录、询问笔录、现场照片、"
            "粉尘浓度检测报告等证据为证。",
            "你单位的上述行为违反了《工贸企业粉尘防爆安全规定》第十二条的规定，依据"
            "《中华人民共和国安全生产法》第九十九条第三项的规定，决定给予罚款人民币叁万元整（30000元）的行政处罚。",
            "罚款限你单位自收到本决定书之日起十五日内缴至中国工商银行临汾分行营业部，"
            "逾期不缴纳罚款的，本机关将每日按罚款数额的百分之三加处罚款。",
            "你单位如不服本决定，可以依法在六十日内向临汾市人民政府申请行政复议，"
            "或者在六个月内依法向临汾市中级人民法院提起行政诉讼。",
            "临汾市应急管理局　2023年6月20日",
        ),
        form="penalty_decision_org",
        form_name="行政处罚决定书（单位）",
        number="（晋临）应急罚〔2023〕12号",
        issued=dt.date(2023, 6, 20),
        decided=dt.date(2023, 6, 20),
        amount=30000.0,
        **CASE_B,
    ),
    _t(
        17,
        "document",
        "孙志刚行政处罚决定书（个人）",
        _lines(
            "临汾市应急管理局",
            "行政处罚决定书（个人）",
            "（晋临）应急罚〔2023〕12-2号",
            f"被处罚人：孙志刚　工作单位：{JINLAN}　职务：执行董事",
            "违法事实及证据：你作为该单位的主要负责人，对铝制品抛光车间除尘系统未按规定设置泄爆装置负有直接责任。",
            "依据《中华人民共和国安全生产法》第九十九条第三项的规定，决定给予你罚款人民币壹万元整的行政处罚。",
            "临汾市应急管理局　2023年6月20日",
        ),
        form="penalty_decision_person",
        form_name="行政处罚决定书（个人）",
        number="（晋临）应急罚〔2023〕12-2号",
        issued=dt.date(2023, 6, 20),
        decided=dt.date(2023, 6, 20),
        amount=10000.0,
        **{**CASE_B, "party": "孙志刚", "credit_code": ""},
    ),
    _t(
        18,
        "attachment",
        f"{JINLAN}罚款缴款凭证",
        _lines(
            "山西省非税收入一般缴款书",
            "执收单位：临汾市应急管理局",
            f"缴款人：{JINLAN}",
            "金额：30000.00元（人民币叁万元整）",
            "收款银行：中国工商银行临汾分行营业部",
            "缴款日期：2023年6月28日",
            "处罚决定书文号：（晋临）应急罚〔2023〕12号",
            "处罚事由：粉尘涉爆场所除尘系统未按规定设置泄爆装置",
        ),
        form="",
        form_name="缴款凭证",
        issued=dt.date(2023, 6, 28),
        **CASE_B,
    ),
    _t(
        19,
        "casefile",
        f"关于{JINLAN}除尘系统未按规定设置泄爆装置一案 卷宗",
        _lines(
            "临汾市应急管理局",
            "安全生产行政处罚案卷",
            f"案件名称：{JINLAN}粉尘涉爆违法案",
            "案号：（晋临）应急立〔2023〕12号",
            f"当事人：{JINLAN}",
            f"统一社会信用代码：{JINLAN_CODE}",
            "案由：除尘系统未按规定设置泄爆装置",
            "处理结果：罚款人民币叁万元整",
            "立案日期：2023年5月8日　结案日期：2023年7月20日",
            "承办人：王建国、赵晓峰",
            "归档日期：2023年8月15日",
            "档号：Z011-ZF·2023-Y-0012",
            "保管期限：永久",
            "卷内目录",
            "1　现场检查记录（（晋临）应急检记〔2023〕15号）　临汾市应急管理局　2023年5月6日　1-2",
            "2　立案审批表（（晋临）应急立〔2023〕12号）　临汾市应急管理局　2023年5月8日　3-4",
            "3　询问笔录　临汾市应急管理局　2023年5月10日　5-8",
            "4　案件调查报告（（晋临）应急终报〔2023〕12号）　临汾市应急管理局　2023年5月26日　9-12",
            "5　行政处罚告知书（（晋临）应急罚告〔2023〕12号）　临汾市应急管理局　2023年6月2日　13-14",
            "6　行政处罚决定书（单位）（（晋临）应急罚〔2023〕12号）　临汾市应急管理局　2023年6月20日　15-17",
            "7　行政处罚决定书（个人）（（晋临）应急罚〔2023〕12-2号）　临汾市应急管理局　2023年6月20日　18-19",
            "备考表",
            "案件摘要：该单位铝制品抛光车间属粉尘涉爆场所，除尘系统未按规定设置泄爆装置，"
            "依据《中华人民共和国安全生产法》第九十九条第三项对单位罚款叁万元、对主要负责人罚款壹万元。",
        ),
        form="",
        form_name="案卷",
        file_no="Z011-ZF·2023-Y-0012",
        filed=dt.date(2023, 8, 15),
        **{**CASE_B, "status": "filed"},
    ),
    # ── case C: 瑞雪冷链, 液氨制冷 ──
    _t(
        20,
        "document",
        f"{RUIXUE}现场检查方案",
        _lines(
            "临汾市洪洞县应急管理局",
            "现场检查方案",
            "（晋临洪）应急检查〔2024〕22号",
            f"被检查单位：{RUIXUE}",
            "检查时间：2024年7月9日",
            "检查人员：刘海涛、陈静",
            "检查事项：涉氨制冷企业液氨使用专项检查，重点检查液氨制冷车间、速冻车间、冷库的"
            "氨气浓度检测报警、事故排风、紧急泄压和应急救援器材配备情况。",
        ),
        form="inspection_plan",
        form_name="现场检查方案",
        number="（晋临洪）应急检查〔2024〕22号",
        issued=dt.date(2024, 7, 1),
        **CASE_C,
    ),
    _t(
        21,
        "document",
        f"{RUIXUE}现场检查记录",
        _lines(
            "临汾市洪洞县应急管理局",
            "现场检查记录",
            "（晋临洪）应急检记〔2024〕22号",
            f"被检查单位：{RUIXUE}",
            f"统一社会信用代码：{RUIXUE_CODE}",
            "检查场所：液氨制冷车间、速冻车间、冷库",
            "检查时间：2024年7月9日9时00分至11时30分",
            "执法人员：刘海涛　执法证号：14102419003　陈静　执法证号：14102419004",
            "经检查发现：",
            "1. 液氨制冷车间氨压缩机房未设置氨气浓度检测报警装置，事故排风机未与报警装置联锁；",
            "2. 速冻车间与液氨制冷车间之间未设置防火隔墙，速冻车间内有23名作业人员；",
            "3. 液氨储罐区未设置围堰，紧急泄压装置失效；",
            "4. 从业人员未配备防毒面具和正压式空气呼吸器。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临洪）应急检记〔2024〕22号",
        issued=dt.date(2024, 7, 9),
        **CASE_C,
    ),
    _t(
        22,
        "document",
        f"{RUIXUE}现场处理措施决定书",
        _lines(
            "临汾市洪洞县应急管理局",
            "现场处理措施决定书",
            "（晋临洪）应急现决〔2024〕22号",
            f"{RUIXUE}：",
            "本机关在2024年7月9日现场检查时，发现你单位液氨制冷车间氨压缩机房未设置氨气浓度检测报警装置，"
            "速冻车间与液氨制冷车间之间未设置防火隔墙，属于重大事故隐患。",
            "依据《中华人民共和国安全生产法》第六十五条第一款第（三）项的规定，现作出如下现场处理决定：",
            "责令速冻车间立即停止作业，撤出作业人员，重大事故隐患排除后，经审查同意，方可恢复作业。",
        ),
        form="onsite_measures_decision",
        form_name="现场处理措施决定书",
        number="（晋临洪）应急现决〔2024〕22号",
        issued=dt.date(2024, 7, 9),
        **CASE_C,
    ),
    _t(
        23,
        "document",
        f"{RUIXUE}责令限期整改指令书",
        _lines(
            "临汾市洪洞县应急管理局",
            "责令限期整改指令书",
            "（晋临洪）应急责改〔2024〕22号",
            f"{RUIXUE}：",
            "经查，你单位存在下列问题：",
            "1. 液氨制冷车间氨压缩机房未设置氨气浓度检测报警装置；",
            "2. 液氨储罐区未设置围堰，紧急泄压装置失效；",
            "3. 从业人员未配备防毒面具和正压式空气呼吸器。",
            "现责令你单位于2024年8月9日前整改完毕，达到有关法律法规规章和标准规定的要求。",
            "执法人员：刘海涛、陈静",
        ),
        form="rectification_order",
        form_name="责令限期整改指令书",
        number="（晋临洪）应急责改〔2024〕22号",
        issued=dt.date(2024, 7, 9),
        **CASE_C,
    ),
    _t(
        24,
        "attachment",
        "现场照片说明（液氨制冷车间）",
        f"{RUIXUE}现场照片说明\n"
        "拍摄人：刘海涛、陈静\n"
        "照片1：液氨\n制冷车间氨压缩机房全景，房内未见氨\n气浓度检测报警装置。"
        "拍摄时间：2024年7月9日9时20分。\n"
        "照片2：速冻车间与液氨制冷车间之间为彩钢板隔断，未设置防火隔\n墙。"
        "拍摄时间：2024年7月9日9时41分。\n"
        "照片3：液氨储罐区地面未设置围\n堰。拍摄时间：2024年7月9日10时05分。\n",
        form="",
        form_name="现场照片",
        issued=dt.date(2024, 7, 9),
        **CASE_C,
    ),
    _t(
        25,
        "document",
        f"{RUIXUE}整改复查意见书",
        _lines(
            "临汾市洪洞县应急管理局",
            "整改复查意见书",
            "（晋临洪）应急复查〔2024〕22号",
            f"{RUIXUE}：",
            "本机关于2024年7月9日作出了责令限期整改的决定（（晋临洪）应急责改〔2024〕22号），"
            "经2024年8月20日对你单位整改情况进行复查，提出如下意见：",
            "经复查，你单位已在液氨制冷车间氨压缩机房加装氨气浓度检测报警装置4套，并与事故排风机联锁；"
            "液氨储罐区已砌筑围堰，更换紧急泄压装置；已配备防毒面具20具、正压式空气呼吸器4套。"
            "上述问题已整改完毕。",
            "复查人员：刘海涛、陈静",
        ),
        form="reinspection_opinion",
        form_name="整改复查意见书",
        number="（晋临洪）应急复查〔2024〕22号",
        issued=dt.date(2024, 8, 20),
        **CASE_C,
    ),
    _t(
        26,
        "casefile",
        f"关于{RUIXUE}安全生产现场检查 卷宗",
        _lines(
            "临汾市洪洞县应急管理局",
            "安全生产行政执法检查案卷",
            f"当事人：{RUIXUE}",
            "案由：涉氨制冷企业液氨使用专项检查",
            "处理结果：责令限期整改，复查合格",
            "承办人：刘海涛、陈静",
            "归档日期：2024年9月5日",
            "档号：Z057-ZF·2024-D30-0008",
            "卷内目录",
            "1　现场检查方案（（晋临洪）应急检查〔2024〕22号）",
            "2　现场检查记录（（晋临洪）应急检记〔2024〕22号）",
            "3　现场处理措施决定书（（晋临洪）应急现决〔2024〕22号）",
            "4　责令限期整改指令书（（晋临洪）应急责改〔2024〕22号）",
            "5　现场照片说明",
            "6　整改复查意见书（（晋临洪）应急复查〔2024〕22号）",
            "案件摘要：液氨制冷车间氨压缩机房未设置氨气浓度检测报警装置，速冻车间与液氨制冷车间之间"
            "未设置防火隔墙，现场责令速冻车间停止作业并下达责令限期整改指令书，复查合格。",
        ),
        form="",
        form_name="案卷",
        file_no="Z057-ZF·2024-D30-0008",
        filed=dt.date(2024, 9, 5),
        **{**CASE_C, "status": "filed"},
    ),
    # ── case D: 晋鼎食品, 受限空间 (地下污水池) ──
    _t(
        27,
        "document",
        f"{JINDING}现场检查记录",
        _lines(
            "侯马市应急管理局",
            "现场检查记录",
            "（晋临侯）应急检记〔2022〕7号",
            f"被检查单位：{JINDING}",
            "检查场所：污水处理站地下污水池、锅炉房",
            "检查时间：2022年9月6日",
            "执法人员：韩磊、周敏",
            "经检查发现：",
            "1. 地下污水池属有限空间（受限空间），入口未设置安全警示标志，未建立有限空间管理台账；",
            "2. 污水池清掏作业由外包单位实施，未签订安全生产管理协议，作业前未进行通风和气体检测；",
            "3. 未制定有限空间作业事故应急救援预案。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临侯）应急检记〔2022〕7号",
        issued=dt.date(2022, 9, 6),
        **CASE_D,
    ),
    _t(
        28,
        "document",
        f"{JINDING}责令限期整改指令书",
        _lines(
            "侯马市应急管理局",
            "责令限期整改指令书",
            "（晋临侯）应急责改〔2022〕7号",
            f"{JINDING}：",
            "经查，你单位存在下列问题：",
            "1. 地下污水池等有限空间未设置安全警示标志，未建立有限空间管理台账；",
            "2. 有限空间作业前未进行通风和气体检测；",
            "3. 未制定有限空间作业事故应急救援预案。",
            "上述行为违反了《工贸企业有限空间作业安全规定》第十二条的规定，现责令你单位于2022年10月6日前整改完毕。",
            "执法人员：韩磊、周敏",
        ),
        form="rectification_order",
        form_name="责令限期整改指令书",
        number="（晋临侯）应急责改〔2022〕7号",
        issued=dt.date(2022, 9, 6),
        **CASE_D,
    ),
    _t(
        29,
        "attachment",
        "现场照片说明（地下污水池）",
        f"{JINDING}现场照片说明\n"
        "照片1：地下污水池入口，未设置受限\n空间安全警示标志。拍摄时间：2022年9月6日10时12分。\n"
        "照片2：外包单位作业人员准备下池清掏，现场无通风设备和气体检测仪。\n",
        form="",
        form_name="现场照片",
        issued=dt.date(2022, 9, 6),
        **CASE_D,
    ),
    _t(
        30,
        "document",
        f"{JINDING}整改复查意见书",
        _lines(
            "侯马市应急管理局",
            "整改复查意见书",
            "（晋临侯）应急复查〔2022〕7号",
            f"{JINDING}：",
            "经2022年10月12日复查，你单位已在地下污水池入口设置有限空间安全警示标志，建立有限空间管理台账，"
            "配备便携式气体检测仪和送风机，制定有限空间作业事故应急救援预案。上述问题已整改完毕。",
        ),
        form="reinspection_opinion",
        form_name="整改复查意见书",
        number="（晋临侯）应急复查〔2022〕7号",
        issued=dt.date(2022, 10, 12),
        **CASE_D,
    ),
    # ── near-miss numbers and other records ──
    _t(
        31,
        "document",
        "临汾市尧都区恒通汽车服务有限公司行政处罚决定书（单位）",
        _lines(
            "临汾市尧都区应急管理局",
            "行政处罚决定书（单位）",
            "（晋临尧）应急罚〔2023〕12号",
            "被处罚单位：临汾市尧都区恒通汽车服务有限公司",
            "违法事实及证据：你单位喷漆房使用非防爆电气设备，油漆、稀释剂等危险化学品超量存放，"
            "违反了《中华人民共和国安全生产法》第三十六条第一款的规定。",
            "决定给予罚款人民币贰万元整的行政处罚。",
            "临汾市尧都区应急管理局　2023年9月15日",
        ),
        form="penalty_decision_org",
        form_name="行政处罚决定书（单位）",
        number="（晋临尧）应急罚〔2023〕12号",
        case_no="（晋临尧）应急立〔2023〕12号",
        issued=dt.date(2023, 9, 15),
        decided=dt.date(2023, 9, 15),
        amount=20000.0,
        **{**YAODU, "case_id": 9005, "party": "临汾市尧都区恒通汽车服务有限公司", "handlers": ("郭亮", "李娜")},
        industry="汽车维修",
        procedure="general",
        status="issued",
    ),
    _t(
        32,
        "document",
        "临汾市襄汾县宏晟焦化有限公司行政处罚决定书（单位）",
        _lines(
            "临汾市应急管理局",
            "行政处罚决定书（单位）",
            "（晋临）应急罚〔2022〕12号",
            "被处罚单位：临汾市襄汾县宏晟焦化有限公司",
            "违法事实及证据：你单位煤气净化车间检修动火作业未办理动火作业许可证，未安排专人监护。",
            "决定给予罚款人民币肆万元整的行政处罚。",
            "临汾市应急管理局　2022年8月3日",
        ),
        form="penalty_decision_org",
        form_name="行政处罚决定书（单位）",
        number="（晋临）应急罚〔2022〕12号",
        case_no="（晋临）应急立〔2022〕12号",
        issued=dt.date(2022, 8, 3),
        decided=dt.date(2022, 8, 3),
        amount=40000.0,
        **{**LINFEN, "case_id": 9006, "party": "临汾市襄汾县宏晟焦化有限公司", "handlers": ("赵晓峰", "牛丽")},
        industry="焦化",
        procedure="general",
        status="issued",
    ),
    _t(
        33,
        "document",
        "临汾市尧都区中晟石油有限公司行政（当场）处罚决定书（单位）",
        _lines(
            "临汾市尧都区应急管理局",
            "行政（当场）处罚决定书（单位）",
            "（晋临尧）应急罚当〔2024〕5号",
            "被处罚单位：临汾市尧都区中晟石油有限公司",
            "违法事实：加油站卸油区静电接地报警仪损坏，卸油作业时未连接静电接地线。",
            "依据《中华人民共和国安全生产法》第九十九条第（三）项的规定，当场给予罚款人民币贰仟元整的行政处罚。",
            "执法人员：郭亮、李娜　2024年3月12日",
        ),
        form="onsite_penalty_decision_org",
        form_name="行政（当场）处罚决定书（单位）",
        number="（晋临尧）应急罚当〔2024〕5号",
        issued=dt.date(2024, 3, 12),
        decided=dt.date(2024, 3, 12),
        amount=2000.0,
        **{**YAODU, "case_id": 9007, "party": "临汾市尧都区中晟石油有限公司", "handlers": ("郭亮", "李娜")},
        industry="加油站",
        procedure="simple",
        status="issued",
    ),
    _t(
        34,
        "attachment",
        "临汾市尧都区中晟石油有限公司防雷装置检测报告",
        "防雷装置检测报告\n报告编号：JC2024-1182\n委托单位：临汾市尧都区中晟石油有限公司\n"
        "检测依据：GB 50057-2010《建筑物防雷设计规范》\n"
        "1. 卸油区静电接地桩接地\n电阻12.6Ω，不符合要求。\n2. 罩棚防雷引下线接地电阻3.2Ω，符合要求。\n",
        form="",
        form_name="证据材料",
        issued=dt.date(2024, 3, 12),
        **{**YAODU, "case_id": 9007, "party": "临汾市尧都区中晟石油有限公司", "handlers": ("郭亮", "李娜")},
        industry="加油站",
        procedure="simple",
        status="issued",
    ),
    _t(
        35,
        "document",
        "临汾市洪洞县庆丰烟花爆竹批发有限公司现场检查记录",
        _lines(
            "临汾市洪洞县应急管理局",
            "现场检查记录",
            "（晋临洪）应急检记〔2024〕3号",
            "被检查单位：临汾市洪洞县庆丰烟花爆竹批发有限公司",
            "检查场所：批发仓库、装卸区",
            "执法人员：刘海涛、陈静",
            "经检查发现：1号仓库烟花爆竹超量储存，堆垛之间未留出安全通道；装卸区未设置防静电装置。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临洪）应急检记〔2024〕3号",
        issued=dt.date(2024, 1, 20),
        **{**HONGTONG, "case_id": 9009, "party": "临汾市洪洞县庆丰烟花爆竹批发有限公司"},
        handlers=("刘海涛", "陈静"),
        industry="烟花爆竹",
        status="issued",
    ),
    _t(
        36,
        "document",
        "临汾市襄汾县汾川纸业有限公司现场检查记录",
        _lines(
            "临汾市襄汾县应急管理局",
            "现场检查记录",
            "（晋临襄）应急检记〔2021〕19号",
            "被检查单位：临汾市襄汾县汾川纸业有限公司",
            "检查场所：制浆车间、纸机车间",
            "执法人员：马骏、白雪",
            "经检查发现：制浆车间浆池等有限空间未设置安全警示标志，清理浆池作业前未进行气体检测。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临襄）应急检记〔2021〕19号",
        issued=dt.date(2021, 11, 3),
        **{**XIANGFEN, "case_id": 9010, "party": "临汾市襄汾县汾川纸业有限公司"},
        handlers=("马骏", "白雪"),
        industry="造纸",
        status="issued",
    ),
    _t(
        37,
        "document",
        "临汾市曲沃县森茂木业有限公司现场检查记录",
        _lines(
            "临汾市曲沃县应急管理局",
            "现场检查记录",
            "（晋临曲）应急检记〔2023〕26号",
            "被检查单位：临汾市曲沃县森茂木业有限公司",
            "检查场所：木工车间、砂光车间、除尘器区域",
            "执法人员：贺斌、冯雪",
            "经检查发现：",
            "1. 砂光车间布袋除尘器未设置泄爆装置，除尘器进风管道未设置隔爆装置；",
            "2. 木工车间木粉尘积尘未及时清理，粉尘涉爆区域使用非防爆电气设备；",
            "3. 未按《工贸企业粉尘防爆安全规定》建立粉尘清扫制度。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临曲）应急检记〔2023〕26号",
        issued=dt.date(2023, 10, 11),
        **{**QUWO, "case_id": 9011, "party": "临汾市曲沃县森茂木业有限公司"},
        handlers=("贺斌", "冯雪"),
        industry="粉尘涉爆",
        status="issued",
    ),
    _t(
        38,
        "document",
        "临汾市曲沃县森茂木业有限公司责令限期整改指令书",
        _lines(
            "临汾市曲沃县应急管理局",
            "责令限期整改指令书",
            "（晋临曲）应急责改〔2023〕26号",
            "临汾市曲沃县森茂木业有限公司：",
            "经查，你单位砂光车间布袋除尘器未设置泄爆装置，除尘器进风管道未设置隔爆装置，"
            "粉尘涉爆区域使用非防爆电气设备。上述行为违反了《工贸企业粉尘防爆安全规定》第十二条的规定，"
            "现责令你单位于2023年11月10日前整改完毕。",
            "执法人员：贺斌、冯雪",
        ),
        form="rectification_order",
        form_name="责令限期整改指令书",
        number="（晋临曲）应急责改〔2023〕26号",
        issued=dt.date(2023, 10, 11),
        **{**QUWO, "case_id": 9011, "party": "临汾市曲沃县森茂木业有限公司"},
        handlers=("贺斌", "冯雪"),
        industry="粉尘涉爆",
        status="issued",
    ),
    _t(
        39,
        "document",
        "临汾市尧都区中晟石油有限公司现场检查记录",
        _lines(
            "临汾市尧都区应急管理局",
            "现场检查记录",
            "（晋临尧）应急检记〔2024〕9号",
            "被检查单位：临汾市尧都区中晟石油有限公司",
            "检查场所：加油区、卸油区、站房",
            "执法人员：郭亮、李娜",
            "经检查发现：卸油区静电接地报警仪损坏，卸油作业时未连接静电接地线；站房配电室未铺设绝缘胶垫。",
        ),
        form="inspection_record",
        form_name="现场检查记录",
        number="（晋临尧）应急检记〔2024〕9号",
        issued=dt.date(2024, 3, 12),
        **{**YAODU, "case_id": 9007, "party": "临汾市尧都区中晟石油有限公司", "handlers": ("郭亮", "李娜")},
        industry="加油站",
        procedure="simple",
        status="issued",
    ),
    _t(
        40,
        "casefile",
        "关于临汾市尧都区中晟石油有限公司卸油作业未连接静电接地线一案 卷宗",
        _lines(
            "临汾市尧都区应急管理局",
            "安全生产行政处罚案卷（简易程序）",
            "当事人：临汾市尧都区中晟石油有限公司",
            "案由：卸油作业未连接静电接地线",
            "处理结果：罚款人民币贰仟元整",
            "承办人：郭亮、李娜",
            "归档日期：2024年4月2日",
            "档号：Z053-ZF·2024-D30-0006",
            "卷内目录",
            "1　现场检查记录（（晋临尧）应急检记〔2024〕9号）",
            "2　行政（当场）处罚决定书（单位）（（晋临尧）应急罚当〔2024〕5号）",
            "3　防雷装置检测报告",
        ),
        form="",
        form_name="案卷",
        file_no="Z053-ZF·2024-D30-0006",
        filed=dt.date(2024, 4, 2),
        **{**YAODU, "case_id": 9007, "party": "临汾市尧都区中晟石油有限公司", "handlers": ("郭亮", "李娜")},
        industry="加油站",
        procedure="simple",
        status="filed",
    ),
]


def _keys(*numbers: int) -> frozenset[str]:
    return frozenset(f"t:{n}" for n in numbers)


CASE_A_KEYS = _keys(1, 2, 3, 4, 5, 6, 7)
XINDA_KEYS = CASE_A_KEYS | _keys(8, 9)
JINLAN_KEYS = _keys(*range(10, 20))
JINLAN_CODE_KEYS = JINLAN_KEYS - _keys(17)  # the 主要负责人's decision carries no credit code
JINLAN_CASE_NO_KEYS = JINLAN_KEYS - _keys(10)  # inspected before the case was opened

# ── labelled queries: (query, the targets a user expects on the first page) ────────────────────
LABELLED: list[tuple[str, frozenset[str]]] = [
    # enterprises, full and partial 字号
    (XINDA, XINDA_KEYS),
    ("鑫达", XINDA_KEYS),
    ("尧都区鑫达", XINDA_KEYS),
    ("鑫达化工 有限空间", _keys(1, 2, 3, 4, 6, 7)),
    (JINDING, _keys(27, 28, 29, 30)),
    ("锦岚", JINLAN_KEYS),  # a 2-character word
    # hazards
    ("有限空间", _keys(2, 3, 28)),
    ("粉尘涉爆", _keys(10, 12)),
    ("液氨制冷", _keys(21, 22, 23, 25)),
    ("氨气", _keys(21, 25)),  # a 2-character word
    ("泄爆 木业", _keys(37, 38)),
    ("(有限空间 OR 受限空间) 晋鼎", _keys(27, 28, 29, 30)),
    # phrases, ASCII and full-width quotes
    ('"有限空间作业未进行气体检测"', _keys(2, 3, 4, 7)),
    ('"除尘系统未按规定设置泄爆装置" 锦岚', _keys(10, 11, 13, 14, 15, 16, 17, 18, 19)),
    ("“液氨制冷车间”", _keys(20, 21, 22, 23, 24, 25, 26)),
    # text broken across a line break in an OCR'd attachment
    ("调节池有限空间入口", _keys(4)),
    ("粉尘涉爆 检测报告", _keys(13)),
    ("液氨制冷车间氨压缩机房", _keys(21, 22, 23, 24, 25, 26)),
    # numbers: full-width, half-width, without the （晋临） prefix, credit code, 案号, 档号
    ("（晋临）应急罚〔2023〕12号", _keys(16)),
    ("(晋临)应急罚[2023]12号", _keys(16)),
    ("应急罚〔2023〕12号", _keys(16, 31)),
    ("应急罚[2023]12号", _keys(16, 31)),
    (JINLAN_CODE, JINLAN_CODE_KEYS),
    ("（晋临）应急立〔2023〕12号", JINLAN_CASE_NO_KEYS),
    ("Z011-ZF·2023-Y-0012", _keys(19)),
    # law articles
    ("第九十九条第三项", _keys(14, 15, 16, 17, 19)),
    ("《中华人民共和国安全生产法》第九十九条第三项", _keys(14, 15, 16, 17, 19)),
    ("工贸企业粉尘防爆安全规定 锦岚", _keys(11, 14, 15, 16)),
    # officers
    ("handler:张伟", CASE_A_KEYS),
    ("张伟", _keys(1, 2, 3, 4, 6, 7)),
    ("王建国", _keys(10, 11, 12, 14, 16, 19)),
    ("孙志刚", _keys(10, 11, 12, 14, 16, 17)),
    # fields
    ("party:鑫达", XINDA_KEYS),
    ("form:rectification_order 有限空间", _keys(3, 28)),
    ("form:责令限期整改 液氨", _keys(23)),
    ("kind:casefile 鑫达", _keys(7)),
    ("kind:casefile 粉尘涉爆", _keys(19)),
    ("kind:attachment 鑫达", _keys(4, 5)),
    ("title:行政处罚决定书 锦岚", _keys(16, 17)),
    ("org:临汾市尧都区应急管理局 鑫达", XINDA_KEYS),
    ("amount:20000..50000 泄爆", _keys(16)),
    # dates
    ("issued:2023-01..2023-06 鑫达", _keys(1, 2, 3, 4, 5, 6)),
    ("issued:2024 瑞雪", _keys(20, 21, 22, 23, 24, 25)),
    # AND / OR / NOT
    ("鑫达 NOT 复查", _keys(1, 2, 4, 5, 8)),
    ("液氨制冷 -复查 瑞雪", _keys(20, 21, 22, 23, 24)),
    ("(锦岚 OR 瑞雪) kind:attachment", _keys(13, 18, 24)),
    ("鑫达 AND 动火作业", _keys(8, 9)),
    ("(静电接地 OR 防静电) 尧都区", _keys(33, 34, 39, 40)),
]

# Number-looking queries: (query, targets that must be found, targets that must not be)
NUMBERS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "wenhao-fullwidth": ("（晋临）应急罚〔2023〕12号", _keys(16), _keys(17, 31, 32)),
    "wenhao-halfwidth": ("(晋临)应急罚[2023]12号", _keys(16), _keys(17, 31, 32)),
    "wenhao-lenticular": ("（晋临）应急罚【2023】12号", _keys(16), _keys(17, 31, 32)),
    "wenhao-no-prefix-fullwidth": ("应急罚〔2023〕12号", _keys(16, 31), _keys(17, 32)),
    "wenhao-no-prefix-halfwidth": ("应急罚[2023]12号", _keys(16, 31), _keys(17, 32)),
    "wenhao-other-year": ("（晋临）应急罚〔2022〕12号", _keys(32), _keys(16, 31)),
    "wenhao-suffixed": ("（晋临）应急罚〔2023〕12-2号", _keys(17), _keys(16, 31)),
    "credit-code": (JINLAN_CODE, JINLAN_CODE_KEYS, _keys(17, 31)),
    "credit-code-lowercase": (JINLAN_CODE.lower(), JINLAN_CODE_KEYS, _keys(17, 31)),
    "case-no": ("（晋临）应急立〔2023〕12号", JINLAN_CASE_NO_KEYS, _keys(10, 31, 32)),
    "file-no-permanent": ("Z011-ZF·2023-Y-0012", _keys(19), _keys(7, 26, 40)),
    "file-no-30-years": ("Z053-ZF·2023-D30-0031", _keys(7), _keys(19, 40)),
}

# Strings copied out of a record and pasted into the search box: found like any substring.
COPIED = {
    "superscript": "8.6mg/m³",
    "ocr-line-break": '"接地\n电阻12.6Ω"',
    "fullwidth-quotes": "“先通风、再检测、后作业”",
    "fullwidth-parentheses": '"罚款人民币叁万元整（30000元）"',
}


# ── the index ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class Corpus:
    whoosh: WhooshBackend
    memory: MemoryBackend
    docs: list[IndexDoc]
    background: list[IndexDoc]
    matching: dict[str, str]  # key → squeeze(title) + "\x00" + squeeze(text)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """1,540 records in a real Whoosh index, built once for the module (≈ 10 s: the analysis of every
    record is what the relevance tests measure)."""
    background = list(generate(BACKGROUND, seed=SEED))
    docs = background + TARGETS
    assert len({d.key for d in docs}) == len(docs), "target keys clash with the background"
    whoosh = WhooshBackend(Path(tmp_path_factory.mktemp("relevance")), workers=1)
    whoosh.rebuild(docs, total=len(docs))
    memory = MemoryBackend()
    memory.index(docs)
    matching = {d.key: squeeze(d.title) + "\x00" + squeeze(d.text) for d in docs}
    yield Corpus(whoosh, memory, docs, background, matching)
    whoosh.close()


def _search(backend: Any, query: str, size: int = 10) -> SearchResult:
    return backend.search(SearchRequest(query=query, visibility=ALL, size=size, snippets=False))


def _matches(backend: Any, query: str) -> set[str]:
    """Every key a backend matches for the query (all pages)."""
    keys: set[str] = set()
    page = 1
    while True:
        result = backend.search(SearchRequest(query=query, visibility=ALL, size=200, page=page, snippets=False))
        keys.update(h.key for h in result.hits)
        if page * 200 >= result.total:
            return keys
        page += 1


def _has_fields(node: Node | None) -> bool:
    if isinstance(node, And | Or):
        return any(_has_fields(p) for p in node.parts)
    if isinstance(node, Not):
        return _has_fields(node.part)
    if isinstance(node, Range):
        return True
    return isinstance(node, Match) and node.field not in ("text", "number")


def _single_term(query: str) -> str | None:
    """The literal a one-term text query stands for (quotes stripped), else None."""
    node = parse(query)
    if not (isinstance(node, Match) and node.field == "text"):
        return None
    return query.strip().strip('"“”')


def _scan(corpus: Corpus, literal: str) -> int:
    needle = squeeze(literal)
    return sum(needle in text for text in corpus.matching.values())


# ── tests ──────────────────────────────────────────────────────────────────────────────────────


def test_labels_are_true_matches(corpus: Corpus) -> None:
    """Each label names 1–10 targets, and the oracle agrees every one of them matches."""
    targets = {d.key for d in TARGETS}
    assert len(LABELLED) >= 32
    wrong = []
    for query, relevant in LABELLED:
        assert 1 <= len(relevant) <= 10, query
        assert relevant <= targets, query
        missing = relevant - _matches(corpus.memory, query)
        if missing:
            wrong.append(f"{query!r}: does not match {sorted(missing)}")
    assert not wrong, "labels that are not true matches:\n" + "\n".join(wrong)


def test_recall_at_10(corpus: Corpus) -> None:
    rows = []
    recalls = []
    for query, relevant in LABELLED:
        result = _search(corpus.whoosh, query, size=10)
        top = [h.key for h in result.hits]
        recall = len(relevant & set(top)) / len(relevant)
        recalls.append(recall)
        if recall < 1:
            rows.append(
                f"{recall:4.2f}  {query!r}  total={result.total}  missing={sorted(relevant - set(top))}  top10={top}"
            )
    macro = sum(recalls) / len(recalls)
    assert macro >= RECALL_FLOOR, (
        f"recall@10 = {macro:.3f} over {len(LABELLED)} labelled queries (floor {RECALL_FLOOR}); misses:\n"
        + "\n".join(rows)
    )


@pytest.mark.parametrize(("query", "expected", "excluded"), NUMBERS.values(), ids=NUMBERS.keys())
def test_numbers_are_exact(corpus: Corpus, query: str, expected: frozenset[str], excluded: frozenset[str]) -> None:
    assert looks_like_number(query), f"{query!r} is not recognised as a number"
    result = _search(corpus.whoosh, query, size=50)
    keys = [h.key for h in result.hits]
    assert result.exact, f"{query!r} was not matched on the number fields"
    assert keys and keys[0] in expected, f"{query!r}: top hit {keys[:1]}, expected one of {sorted(expected)}"
    assert expected <= set(keys), f"{query!r}: missing {sorted(expected - set(keys))}"
    assert not excluded & set(keys), f"{query!r}: near-miss numbers found {sorted(excluded & set(keys))}"
    assert result.total == _search(corpus.memory, query).total


@pytest.mark.parametrize("query", ["氨", "鑫", "岚", "〔"], ids=["an", "xin", "lan", "bracket"])
def test_single_character_query(corpus: Corpus, query: str) -> None:
    """One character: no error, some results, the same count as the oracle and a plain scan."""
    result = _search(corpus.whoosh, query)
    assert result.total > 0 and result.hits
    assert result.total == _search(corpus.memory, query).total == _scan(corpus, query)


def _random_substrings(corpus: Corpus, n: int = 30, seed: int = 20240611) -> list[str]:
    """Substrings of 3–8 characters cut from random background texts, as a user would paste them;
    slices that the query language would read as syntax (spaces, quotes, brackets, fields, a leading
    minus, operators, numbers) are drawn again."""
    rng = random.Random(seed)
    syntax = set('"“”＂()（）:：') | {"\n", "\r", "\t", " ", "　"}
    out: list[str] = []
    while len(out) < n:
        doc = rng.choice(corpus.background)
        size = rng.randint(3, 8)
        if len(doc.text) <= size:
            continue
        start = rng.randrange(len(doc.text) - size)
        s = doc.text[start : start + size]
        if syntax & set(s) or s.startswith("-") or s in ("AND", "NOT") or looks_like_number(s) or s in out:
            continue
        out.append(s)
    return out


def test_totals_agree_with_oracle_and_scan(corpus: Corpus) -> None:
    """Field-free labelled queries and 30 random background substrings: the Whoosh total equals
    the oracle's, and for one-term queries a plain substring scan's."""
    queries = [q for q, _ in LABELLED if not _has_fields(parse(q))]
    queries += _random_substrings(corpus)
    rows = []
    for query in queries:
        got = _search(corpus.whoosh, query).total
        oracle = _search(corpus.memory, query).total
        literal = _single_term(query)
        scan = _scan(corpus, literal) if literal is not None else None
        if got != oracle or (scan is not None and got != scan):
            rows.append(f"{query!r}: whoosh={got} memory={oracle} scan={scan}")
    assert not rows, "totals disagree:\n" + "\n".join(rows)


@pytest.mark.parametrize("query", COPIED.values(), ids=COPIED.keys())
def test_pasted_text_is_found(corpus: Corpus, query: str) -> None:
    """Text copied out of a record (superscripts, symbols, line breaks, quotes) finds that record,
    exactly as often as a plain substring scan does."""
    literal = _single_term(query)
    assert literal is not None
    scan = _scan(corpus, literal)
    assert scan >= 1
    assert _search(corpus.whoosh, query).total == scan, f"{query!r}: a plain scan finds {scan}"


def test_every_record_is_in_the_index(corpus: Corpus) -> None:
    """The fixture's index holds all 1,540 records (how fast it builds is measured in bench/)."""
    assert corpus.whoosh.stats().documents == len(corpus.docs)
    assert corpus.whoosh.keys() == {d.key for d in corpus.docs}
