"""A synthetic but realistic search corpus: issued 执法文书, attachments and case files as IndexDoc.

    python -m bench.search_corpus [--n 5000]

Everything is drawn from one seeded ``random.Random``, so ``generate(n, seed)`` always yields the
same records. The texts are built from the static wording of the real form templates
(``templates/forms/*.docx``, read once with python-docx), the catalogue's field labels, the fixed
legal clauses (``archive/catalogue/clauses.yaml``) and a vocabulary of enterprises, hazards,
industries, law articles, officers and places of 山西 — so that the benchmark's word statistics
(very common boilerplate, Zipf-distributed enterprises, rarer hazard terms) look like a real archive.

``queries(sample)`` draws benchmark queries from generated records, so that every query hits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cn2an
import docx
import yaml
from anjuan.indexing.api import IndexDoc
from docx.table import Table
from docx.text.paragraph import Paragraph

__all__ = ["HAZARDS", "INDUSTRIES", "generate", "queries"]

_ROOT = Path(__file__).resolve().parent.parent
_CATALOGUE = _ROOT / "archive" / "catalogue" / "catalogue.yaml"
_CLAUSES = _ROOT / "archive" / "catalogue" / "clauses.yaml"
_FORMS_DIR = _ROOT / "templates" / "forms"

START = dt.date(2021, 1, 4)
END = dt.date(2025, 12, 31)
ORG_CODE = "应急"  # 机关代字 of every 应急管理 bureau
TEXT_MIN, TEXT_MAX = 1200, 1800

# ── vocabulary ────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Industry:
    label: str  # the IndexDoc.industry value (short, as bureaus classify their 监管对象)
    sector: str  # 国民经济行业分类 name printed on the forms
    words: tuple[str, ...]  # words that go into enterprise names
    places: tuple[str, ...]  # 检查场所
    products: tuple[str, ...]
    weight: int


def _table(text: str) -> list[list[str]]:
    """Rows of a ``|``-separated table (data kept as text: one record a line, easy to read and extend)."""
    return [line.split("|") for line in text.strip().splitlines()]


def _tuple(cell: str) -> tuple[str, ...]:
    return tuple(x for x in cell.split(",") if x)


# label | 国民经济行业分类 | name words | 检查场所 | products | weight
_INDUSTRY_TABLE = """
化工|化学原料和化学制品制造业|化工,精细化工,化学,新材料|生产车间,罐区,危险化学品仓库,中控室,装卸区|甲醇,聚氯乙烯,硫酸,涂料,助剂|8
焦化|炼焦|焦化,煤化工|焦炉,煤气净化车间,化产回收区,备煤车间|冶金焦,焦炉煤气,粗苯|4
冶金|黑色金属冶炼和压延加工业|钢铁,冶金,特钢,轧钢|炼钢车间,轧钢车间,高炉区域,煤气柜|螺纹钢,生铁,钢坯|4
有色|有色金属冶炼和压延加工业|铝业,镁业,铜业,有色金属|铸造车间,电解车间,熔铸车间|铝合金锭,金属镁,铜材|3
铸造|金属制品业|铸造,铸业,锻造|熔炼车间,造型车间,清理车间|铸铁件,球墨铸铁管,锻件|3
机械|通用设备制造业|机械,重工,机械制造,装备制造|机加工车间,装配车间,焊接车间|减速机,液压支架,农机配件|5
建材|非金属矿物制品业|建材,水泥,新型建材,商砼|原料车间,窑头平台,水泥磨车间,包装车间|水泥,商品混凝土,加气砖|5
陶瓷玻璃|非金属矿物制品业|陶瓷,玻璃,耐火材料|窑炉车间,成型车间,原料库|日用陶瓷,平板玻璃,耐火砖|2
粉尘涉爆|木材加工和木、竹、藤、棕、草制品业|木业,家具,粉体,铝制品|打磨车间,抛光车间,除尘器区域,木工车间|实木家具,铝型材,淀粉|4
涉氨制冷|农副食品加工业|冷链物流,冷冻食品,肉制品,冷藏|制冷机房,速冻车间,分割间,冷库|冷冻肉,速冻水饺,冷鲜肉|3
食品|食品制造业|食品,面业,乳业|生产车间,锅炉房,原料库|面粉,乳制品,糕点|3
酒类|酒、饮料和精制茶制造业|酒业,酿造,饮品|酿造车间,灌装车间,白酒储存库|白酒,老陈醋,饮料|3
纺织|纺织业|纺织,棉纺,服饰|开清棉车间,织造车间,成品库|棉纱,坯布,服装|2
造纸|造纸和纸制品业|纸业,包装,纸制品|制浆车间,纸机车间,成品库|瓦楞纸,包装纸箱|2
印刷|印刷和记录媒介复制业|印刷,彩印,印务|印刷车间,油墨库,复合车间|包装印刷品,彩盒|2
医药|医药制造业|药业,制药,生物科技|合成车间,提取车间,溶剂库|原料药,中成药|2
非煤矿山|非金属矿采选业|矿业,石料,砂石,采石|采场,排土场,尾矿库,破碎车间|石灰石,建筑石料,铁精粉|3
烟花爆竹|批发业|烟花爆竹,花炮,烟花|批发仓库,零售点,装卸区|烟花,爆竹,礼花弹|2
危化经营|批发业|化工贸易,化工产品,能源贸易|储存仓库,经营场所,装卸区|甲醇,液碱,油漆|3
加油站|机动车燃油零售|石油,石化,油品|加油区,卸油区,站房,罐区|汽油,柴油|3
燃气|燃气生产和供应业|燃气,天然气,液化气|门站,储配站,调压站,充装间|天然气,液化石油气|2
商贸|零售业|商贸,百货,商业,超市|营业大厅,仓库,配电室,地下车库|日用百货,家用电器|6
物流仓储|仓储业|物流,仓储,运输|仓库,分拣中心,装卸平台|快递包裹,仓储服务|4
建筑施工|房屋建筑业|建筑工程,建设,建筑安装|施工现场,钢筋加工区,塔吊作业区|住宅楼,厂房|4
电力热力|电力、热力生产和供应业|热电,电力,供热|锅炉房,汽机车间,换热站|电力,蒸汽,集中供热|3
餐饮住宿|餐饮业|餐饮,酒店,饭店|厨房,宴会厅,客房楼层|餐饮服务,住宿服务|4
汽车维修|机动车维修|汽车服务,汽修,汽车销售服务|维修车间,喷漆房,配件库|汽车维修,钣金喷漆|3
再生资源|废弃资源综合利用业|再生资源,环保科技,资源回收|破碎车间,堆场,分拣区|废钢,再生塑料|2
洗煤|煤炭开采和洗选业|洗煤,煤业,选煤|洗煤车间,原煤堆场,皮带走廊|精煤,中煤|3
"""
INDUSTRIES: tuple[Industry, ...] = tuple(
    Industry(a, b, _tuple(c), _tuple(d), _tuple(e), int(f)) for a, b, c, d, e, f in _table(_INDUSTRY_TABLE)
)

_SPL = "《中华人民共和国安全生产法》"
# law key → (violated provision, penalty provision)
LAWS: dict[str, tuple[str, str]] = {
    "spl21": (f"{_SPL}第二十一条第（一）项", f"{_SPL}第九十四条第一款"),
    "spl23": (f"{_SPL}第二十三条第一款", f"{_SPL}第九十三条"),
    "spl24": (f"{_SPL}第二十四条第一款", f"{_SPL}第九十七条第（一）项"),
    "spl27": (f"{_SPL}第二十七条第二款", f"{_SPL}第九十七条第（二）项"),
    "spl28": (f"{_SPL}第二十八条第一款", f"{_SPL}第九十七条第（三）项"),
    "spl30": (f"{_SPL}第三十条第一款", f"{_SPL}第九十七条第（七）项"),
    "spl31": (f"{_SPL}第三十一条", f"{_SPL}第九十八条第（四）项"),
    "spl35": (f"{_SPL}第三十五条", f"{_SPL}第九十九条第（一）项"),
    "spl36": (f"{_SPL}第三十六条第二款", f"{_SPL}第九十九条第（三）项"),
    "spl36b": (f"{_SPL}第三十六条第三款", f"{_SPL}第九十九条第（三）项"),
    "spl41": (f"{_SPL}第四十一条第二款", f"{_SPL}第一百零一条第（五）项"),
    "spl41b": (f"{_SPL}第四十一条第二款", f"{_SPL}第一百零二条"),
    "spl42": (f"{_SPL}第四十二条第二款", f"{_SPL}第一百零五条第（二）项"),
    "spl42a": (f"{_SPL}第四十二条第一款", f"{_SPL}第一百零五条第（一）项"),
    "spl43": (f"{_SPL}第四十三条", f"{_SPL}第一百零一条第（四）项"),
    "spl45": (f"{_SPL}第四十五条", f"{_SPL}第九十九条第（五）项"),
    "spl48": (f"{_SPL}第四十八条", f"{_SPL}第一百零四条"),
    "spl49": (f"{_SPL}第四十九条第二款", f"{_SPL}第一百零三条第一款"),
    "spl51": (f"{_SPL}第五十一条第二款", f"{_SPL}第一百零九条"),
    "emerg": ("《生产安全事故应急条例》第五条第一款", "《生产安全事故应急条例》第三十条第（一）项"),
    "emerg8": ("《生产安全事故应急条例》第八条第一款", "《生产安全事故应急条例》第三十条第（二）项"),
    "dust": ("《工贸企业粉尘防爆安全规定》第十二条", "《工贸企业粉尘防爆安全规定》第三十二条第（一）项"),
    "dust2": ("《工贸企业粉尘防爆安全规定》第十六条", "《工贸企业粉尘防爆安全规定》第三十二条第（四）项"),
    "limited": ("《工贸企业有限空间作业安全规定》第十二条", "《工贸企业有限空间作业安全规定》第二十九条第（三）项"),
    "hazchem": ("《危险化学品安全管理条例》第二十四条第一款", "《危险化学品安全管理条例》第八十条第一款第（四）项"),
    "hazchem_lic": ("《危险化学品安全管理条例》第三十三条第一款", "《危险化学品安全管理条例》第七十七条第三款"),
    "majorsrc": (
        "《危险化学品重大危险源监督管理暂行规定》第十三条",
        "《危险化学品重大危险源监督管理暂行规定》第三十二条第（一）项",
    ),
    "fireworks": ("《烟花爆竹安全管理条例》第二十条", "《烟花爆竹安全管理条例》第三十六条第一款"),
    "mine": ("《金属非金属矿山安全规程》第4.1.4条", f"{_SPL}第一百零二条"),
    "ammonia": ("《工贸企业重大事故隐患判定标准》第十条第（一）项", f"{_SPL}第一百零二条"),
}
DISCRETION = (
    "《山西省应急管理行政处罚自由裁量基准》",
    "《安全生产行政处罚自由裁量适用规则（试行）》",
    "《安全生产违法行为行政处罚办法》第五十三条",
)


@dataclass(frozen=True, slots=True)
class Hazard:
    term: str  # the searchable word; always a substring of ``finding``
    finding: str  # how an inspection record states it
    fix: str  # how a 复查 states it was rectified
    law: str  # key of LAWS
    industries: tuple[str, ...] = ()  # empty: any industry


# term | finding (contains the term) | how a 复查 states the fix | law key | industries (empty: any)
_HAZARD_TABLE = """
有限空间|污水处理站调节池有限空间作业未履行审批手续，现场未配备气体检测仪和通风设备|已修订有限空间作业审批制度，配备气体检测仪和机械通风设备|limited|
动火作业|维修车间动火作业未办理动火作业许可证，现场未安排专人监护|已补办动火作业审批手续并明确现场监护人员|spl43|
高处作业|高处作业人员未系挂安全带，作业平台未设置防护栏杆|已为高处作业人员配发安全带并加装平台防护栏杆|spl43|
临时用电|临时用电线路私拉乱接，配电箱未安装漏电保护器|已拆除私拉线路，临时用电配电箱全部加装漏电保护器|spl36|
吊装作业|吊装作业未设置警戒区域，未安排专人指挥|已制定吊装作业管理规定，作业时设置警戒区域并专人指挥|spl43|
特种作业人员无证上岗|存在特种作业人员无证上岗问题，两名电焊作业人员未取得特种作业操作证|无证人员已停止作业并报名参加特种作业培训考核|spl30|
安全生产教育和培训|未按规定对新入职从业人员进行安全生产教育和培训，未建立培训档案|已组织全员安全生产教育和培训并建立培训档案|spl28|
安全出口堵塞|二层成品库房存在安全出口堵塞问题，东侧疏散楼梯堆放包装材料|已清理安全出口及疏散楼梯堆放物品|spl42|
消防通道|厂区消防通道被原材料和车辆占用，通行宽度不足四米|已清理消防通道并施划禁停标线|spl42|
疏散指示标志|车间内疏散指示标志损坏，部分应急照明灯不能正常使用|已更换损坏的疏散指示标志和应急照明灯|spl42|
安全警示标志|配电室、危险化学品仓库等危险场所未设置明显的安全警示标志|已在危险场所设置安全警示标志|spl35|
应急救援预案|未制定生产安全事故应急救援预案，未按规定向有关部门备案|已编制应急救援预案并报送备案|emerg|
应急演练|未按规定组织应急演练，无演练记录和评估报告|已组织综合应急演练并形成评估报告|emerg8|
隐患排查治理|未建立事故隐患排查治理制度，隐患排查治理情况未如实记录|已建立隐患排查治理制度和台账|spl41|
安全生产责任制|未建立健全全员安全生产责任制，岗位安全生产责任不明确|已修订全员安全生产责任制并逐级签订责任书|spl21|
安全生产管理人员|未按规定配备专职安全生产管理人员|已任命专职安全生产管理人员并发文公布|spl24|
管理能力考核|主要负责人和安全生产管理人员未经安全生产知识和管理能力考核合格|主要负责人和安全生产管理人员已参加管理能力考核并取得合格证明|spl27|
劳动防护用品|未为从业人员提供符合国家标准或者行业标准的劳动防护用品|已为从业人员配发合格的劳动防护用品并建立发放台账|spl45|
安全设备|安全设备未进行经常性维护、保养和定期检测，维护保养记录缺失|已对安全设备进行维护保养并建立维护记录|spl36|
监控报警|擅自关闭可燃气体监控报警装置，报警记录数据缺失|已恢复监控报警装置运行并落实专人值守|spl36b|
电气线路|配电柜前未铺设绝缘胶垫，车间电气线路老化破损|已更换老化电气线路并铺设绝缘胶垫|spl36|
机械防护|皮带传动部位和联轴器等危险部位未设置机械防护装置|已在传动部位加装机械防护罩|spl36|
安全生产管理协议|将检修工程发包给外包单位未签订专门的安全生产管理协议|已与外包单位签订安全生产管理协议|spl49|
安全生产责任保险|未按规定投保安全生产责任保险|已投保安全生产责任保险|spl51|
交叉作业|两个以上单位在同一作业区域内交叉作业，未指定专职安全生产管理人员进行安全检查与协调|已签订交叉作业安全管理协议并指定专人协调|spl48|
员工宿舍|员工宿舍与生产车间设在同一座建筑物内，未保持安全距离|已将员工宿舍搬离生产车间|spl42a|
安全生产费用|未按规定提取和使用安全生产费用，安全投入不足|已按规定提取安全生产费用并建立使用台账|spl23|
三同时|新建项目安全设施未与主体工程同时设计、同时施工、同时投入生产和使用（三同时）|已补办建设项目安全设施设计审查手续|spl31|
重大事故隐患|存在重大事故隐患，未制定并实施事故隐患治理方案|已制定重大事故隐患治理方案并落实治理措施|spl41b|
安全风险分级管控|未建立安全风险分级管控制度，未开展岗位安全风险辨识评估|已开展安全风险辨识评估并绘制安全风险四色分布图|spl41|
防雷设施|防雷设施和防静电设施未经定期检测，检测报告已过有效期|已委托检测机构完成防雷设施检测|spl36|
消防器材|部分消防器材失效，灭火器压力不足，室内消火栓箱内无水带水枪|已更换失效的消防器材|spl36|
危险作业|爆破、吊装、动火等危险作业未安排专门人员进行现场安全管理|已建立危险作业审批制度并安排专人现场管理|spl43|
劳务派遣|劳务派遣人员未纳入本单位从业人员统一管理，未进行安全生产教育和培训|已将劳务派遣人员纳入统一管理并完成培训|spl28|
特种设备|叉车、起重机等特种设备未经定期检验，无有效使用标志|已完成特种设备定期检验并取得使用标志|spl36|
能量隔离|设备检修作业未执行能量隔离和上锁挂牌制度|已制定能量隔离和上锁挂牌管理制度|spl43|
危险化学品|危险化学品仓库内甲醇与氧化剂混存，未按规定分区分类隔离储存|已将甲醇与氧化剂分库存放并设置隔离标识|hazchem|化工,危化经营,医药
重大危险源|重大危险源未设置压力、液位、温度等参数实时监控装置|已为重大危险源加装参数监控装置并接入监测预警系统|majorsrc|化工,焦化,危化经营
反应釜|反应釜未设置超温超压报警和紧急切断装置|已为反应釜加装超温超压报警和紧急切断装置|spl36|化工,医药
可燃气体报警|罐区可燃气体报警仪未与紧急切断阀联锁，报警仪未定期标定|已完成可燃气体报警仪标定并实现联锁|spl36b|化工,焦化,酒类,燃气
防爆电气|甲类仓库内防爆电气设备不符合要求，使用非防爆型照明灯具和开关|已更换为防爆型照明灯具和开关|spl36|化工,危化经营,汽车维修,印刷
静电接地|汽车装卸区未设置静电接地报警装置|已在装卸区安装静电接地报警装置|spl36|化工,加油站,危化经营
装卸作业|危险化学品装卸作业无专人现场监护，未执行装卸作业安全操作规程|已制定装卸作业安全操作规程并落实专人监护|hazchem|化工,危化经营
自动化控制|涉及重点监管危险化工工艺的装置未实现自动化控制|已完成危险化工工艺装置自动化控制改造|spl36|化工
危险与可操作性分析|精馏装置未开展危险与可操作性分析（HAZOP）|已委托专业机构开展危险与可操作性分析|spl41|化工
煤气泄漏|煤气净化区域未设置固定式一氧化碳检测报警仪，存在煤气泄漏风险|已安装固定式一氧化碳检测报警仪|spl36b|焦化,冶金
苯储罐|粗苯储罐区防火堤破损，储罐呼吸阀未定期检查|已修复防火堤并建立呼吸阀检查记录|spl36|焦化
高温熔融金属|吊运高温熔融金属的起重机不符合冶金起重机的相关要求|已更换为冶金铸造起重机|spl36|冶金,有色,铸造
煤气区域|煤气区域作业人员未携带便携式一氧化碳检测报警仪|已为煤气区域作业人员配备便携式检测报警仪|spl43|冶金,焦化
熔炼炉|中频熔炼炉冷却水系统未设置温度和流量监测报警装置|已为熔炼炉冷却水系统加装监测报警装置|spl36|铸造,有色
深井铸造|铝合金深井铸造系统未设置紧急排放和应急储存设施|已增设深井铸造紧急排放和应急储存设施|spl36|有色
粉尘涉爆|粉尘涉爆车间除尘系统未按规定设置泄爆装置|已为除尘系统加装泄爆装置|dust|粉尘涉爆,有色,食品,纺织
除尘系统|除尘系统采用正压吹送粉尘，未设置锁气卸灰装置|已将除尘系统改为负压运行并加装锁气卸灰装置|dust|粉尘涉爆
粉尘清扫|车间作业场所积尘未及时清扫，未建立粉尘清扫制度|已建立粉尘清扫制度并落实清扫记录|dust2|粉尘涉爆,纺织,食品
铝镁粉尘|铝镁粉尘湿式除尘系统未设置氢气浓度监测和排气装置|已加装氢气浓度监测和排气装置|dust|有色,粉尘涉爆
火花探测|除尘器进风管道未设置火花探测和消除装置|已在除尘器进风管道加装火花探测和消除装置|dust|粉尘涉爆
液氨制冷|液氨制冷机房未设置氨气浓度报警装置，事故排风机未与报警联锁|已安装氨气浓度报警装置并与事故排风机联锁|ammonia|涉氨制冷
快速冻结装置|快速冻结装置设置在单层钢结构车间内，包装间人员超过九人|已对快速冻结装置所在车间实施隔离改造|ammonia|涉氨制冷
氨压缩机|氨压缩机房紧急泄氨器未定期检查，安全阀超期未校验|已完成安全阀校验并建立紧急泄氨器检查记录|spl36|涉氨制冷
水泥筒仓|水泥筒仓清库作业未制定专项作业方案|已制定筒仓清库专项作业方案|spl43|建材
皮带输送机|皮带输送机未设置急停拉绳开关和防跑偏装置|已为皮带输送机加装急停拉绳开关和防跑偏装置|spl36|建材,洗煤,非煤矿山
窑炉|回转窑窑头平台护栏缺失，窑炉巡检通道照明不足|已恢复窑头平台护栏并增设巡检通道照明|spl36|建材,陶瓷玻璃
尾矿库|尾矿库排洪设施部分堵塞，干滩长度不满足设计要求|已疏通排洪设施并调整放矿方式|mine|非煤矿山
采空区|未对井下采空区进行探测和处理，采空区未设置警示标志|已委托专业单位探测采空区并设置警示标志|mine|非煤矿山
边坡|露天采场边坡角度超过设计要求，未开展边坡稳定性监测|已按设计削坡减载并开展边坡监测|mine|非煤矿山
爆破作业|爆破作业未设置警戒范围，爆破器材临时存放点不符合规定|已完善爆破作业警戒制度并清理临时存放点|spl43|非煤矿山
烟花爆竹|烟花爆竹批发仓库超量储存，库房内混存不同级别产品|已将超量烟花爆竹转移至合规库房|fireworks|烟花爆竹
超范围经营|烟花爆竹零售点超范围经营，储存礼花弹类产品|已清退礼花弹类产品|fireworks|烟花爆竹
危险化学品经营许可证|危险化学品经营许可证已过有效期仍从事经营活动|已停止经营并申请换发危险化学品经营许可证|hazchem_lic|危化经营
油气回收|卸油作业未连接油气回收管线，卸油口未设置静电接地|已规范卸油作业并安装静电接地装置|spl36|加油站
燃气泄漏|厨房使用燃气未安装可燃气体报警装置和紧急切断阀，存在燃气泄漏风险|已安装燃气报警装置和紧急切断阀|spl36|燃气,餐饮住宿,商贸
液化石油气钢瓶|在地下室使用液化石油气钢瓶，钢瓶与灶具连接软管老化|已停止在地下室使用液化石油气钢瓶|spl36|餐饮住宿,燃气
厨房油烟管道|厨房油烟管道未定期清洗，油垢积存严重|已委托专业单位清洗厨房油烟管道|spl41|餐饮住宿
消防控制室|消防控制室值班人员未持证上岗，值班记录不完整|消防控制室值班人员已取得资格证书|spl30|商贸
电动自行车|电动自行车在楼道内停放充电，占用疏散通道|已设置电动自行车集中停放充电区域|spl42|商贸,物流仓储
叉车|叉车司机未取得特种设备作业人员证，叉车无有效检验标志|叉车司机已取得作业人员证，叉车已检验合格|spl30|物流仓储,机械
货架|仓库货架堆垛超高，未设置限高标识和防倾倒措施|已降低堆垛高度并设置限高标识|spl36|物流仓储,商贸
脚手架|外脚手架未按方案设置剪刀撑，连墙件缺失|已按方案补设剪刀撑和连墙件|spl36|建筑施工
临边防护|楼层临边防护栏杆缺失，洞口未设置盖板|已补设临边防护栏杆和洞口盖板|spl36|建筑施工
塔式起重机|塔式起重机未设置力矩限制器，司机无证操作|已加装力矩限制器并更换持证司机|spl36|建筑施工
锅炉|燃气锅炉房可燃气体报警装置失效，锅炉安全阀超期未校验|已修复报警装置并完成锅炉安全阀校验|spl36|电力热力,食品,酒类
压力容器|压力容器安全阀超期未校验，压力表未定期检定|已完成压力容器安全阀校验和压力表检定|spl36|化工,电力热力,食品
喷漆房|喷漆房未使用防爆型照明和通风设备|已将喷漆房照明和通风设备更换为防爆型|spl36|汽车维修
有机溶剂|油漆、稀释剂等有机溶剂超量存放于作业现场，未设置专用储存柜|已清理现场超量有机溶剂并设置专用储存柜|hazchem|汽车维修,印刷,医药
冲压设备|冲压设备未安装双手操作式安全保护装置|已为冲压设备加装双手操作式安全保护装置|spl36|机械
砂轮机|砂轮机防护罩缺失，托架与砂轮间隙过大|已恢复砂轮机防护罩并调整托架间隙|spl36|机械,铸造
行车|行车限位器失效，吊钩防脱装置损坏|已修复行车限位器和吊钩防脱装置|spl36|机械,冶金,铸造
白酒储存|白酒储存库未设置可燃气体报警装置，库房电气设备不防爆|已为白酒储存库加装报警装置并更换防爆电气|spl36|酒类
煤尘|洗煤车间煤尘积存严重，未采取防尘措施|已清理积尘并增设喷雾降尘设施|spl41|洗煤
棉尘|开清棉车间棉尘积聚，除尘设施运行不正常|已清理积尘并修复除尘设施|dust2|纺织
浆池|制浆车间浆池等有限空间未设置安全警示标志|已在浆池等有限空间设置安全警示标志|limited|造纸
废旧金属|废旧金属破碎作业区未设置隔离防护设施|已在破碎作业区设置隔离防护设施|spl36|再生资源
蒸汽管道|蒸汽管道未设置保温层和警示标识，存在烫伤风险|已为蒸汽管道加装保温层并设置警示标识|spl35|食品
"""
HAZARDS: tuple[Hazard, ...] = tuple(Hazard(a, b, c, d, _tuple(e)) for a, b, c, d, e in _table(_HAZARD_TABLE))

COMMON_WORDS = ("整改", "安全生产", "检查", "隐患", "行政处罚", "执法人员", "罚款", "违反")
# 字号 characters: two of them make an enterprise's trade name
_TRADE_CHARS = (
    "鑫达华盛泰恒源兴隆昌宏远金晟瑞丰通利祥福安康宇辰博凯德信诚和顺"
    "永嘉润茂旺亿晋汾龙腾飞海天新创佳正鼎汇聚美益众联合力宝富荣晶耀翔"
)
_SUFFIXES = (("有限公司", 70), ("有限责任公司", 20), ("股份有限公司", 7), ("集团有限公司", 3))
_TOWNS = (
    "工业园区",
    "经济技术开发区",
    "高新技术产业园区",
    "循环经济园区",
    "城南工业集中区",
    "北关镇",
    "杜村镇",
    "龙城街道",
)
_ROADS = ("建设路", "迎宾路", "兴业街", "创业大道", "府西街", "解放路", "工业路", "开发区大道", "滨河东路", "长安大街")
_POSITIONS = ("总经理", "董事长", "执行董事", "厂长", "负责人")
# 姓 and 名 characters with their pinyin (usernames are the pinyin of the name, as in the demo)
_SURNAMES = tuple(
    (x[0], x[1:])
    for x in _tuple(
        "王wang,李li,张zhang,刘liu,陈chen,杨yang,赵zhao,黄huang,周zhou,吴wu,徐xu,孙sun,胡hu,朱zhu,高gao,林lin,何he,郭guo,马ma,罗luo,梁liang,宋song,郑zheng,谢xie,韩han,唐tang,冯feng,董dong,程cheng,曹cao,袁yuan,邓deng,贾jia,魏wei,薛xue,段duan,侯hou,武wu,乔qiao,牛niu,郝hao,白bai,史shi,温wen,常chang,范fan,闫yan,田tian"
    )
)
_GIVEN = tuple(
    (x[0], x[1:])
    for x in _tuple(
        "伟wei,洋yang,敏min,静jing,军jun,强qiang,磊lei,勇yong,艳yan,杰jie,娟juan,涛tao,明ming,超chao,霞xia,平ping,刚gang,英ying,华hua,芳fang,丽li,建jian,国guo,文wen,志zhi,海hai,红hong,玉yu,鹏peng,辉hui,宇yu,晨chen,浩hao,凯kai,斌bin,波bo,慧hui,颖ying,琳lin,婷ting,飞fei,峰feng,亮liang,雪xue,梅mei,俊jun,瑞rui,东dong,晓xiao,卫wei,永yong,春chun,荣rong,宏hong,新xin,彬bin"
    )
)

# city | 行政区划代码 (2 digits) | 简称 in 文号 | phone code | postcode prefix | counties
_CITY_TABLE = """
太原市|01|晋太|0351|30|小店区,迎泽区,杏花岭区,万柏林区,晋源区,清徐县,阳曲县,古交市
大同市|02|晋同|0352|37|平城区,云冈区,新荣区,云州区,阳高县
阳泉市|03|晋阳|0353|45|平定县,盂县
长治市|04|晋长|0355|46|潞州区,上党区,屯留区,潞城区,襄垣县
晋城市|05|晋城|0356|48|泽州县,高平市,阳城县,沁水县
朔州市|06|晋朔|0349|36|朔城区,平鲁区,怀仁市,山阴县
晋中市|07|晋中|0354|30|榆次区,太谷区,介休市,平遥县,灵石县
运城市|08|晋运|0359|44|盐湖区,永济市,河津市,闻喜县
忻州市|09|晋忻|0350|34|忻府区,原平市,定襄县
临汾市|10|晋临|0357|41|尧都区,侯马市,霍州市,曲沃县,洪洞县,襄汾县
吕梁市|11|晋吕|0358|33|离石区,孝义市,汾阳市,交城县
"""
_CITIES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = tuple(
    (a, b, c, d, _tuple(f)) for a, b, c, d, _, f in _table(_CITY_TABLE)
)
_POSTCODES = {row[0]: int(row[4]) for row in _table(_CITY_TABLE)}
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(region: str, r: random.Random) -> str:
    """A 统一社会信用代码 that passes the GB 32100 check: 91 (企业) + 行政区划 + MA… + check."""
    body = "91" + region + "MA" + "".join(r.choice(_CREDIT_ALPHABET) for _ in range(7))
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


def cn_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def money_upper(amount: float) -> str:
    return "人民币" + cn2an.an2cn(str(int(amount)), "rmb")


# ── the world: organisations, officers, templates, clauses ───────────────────────────────────


@dataclass(frozen=True, slots=True)
class Org:
    id: int
    name: str
    short: str  # 尧都区 / 临汾市 / 山西省
    level: str  # province | city | county
    area: str  # 晋临尧 — the 行政区划简称 in the 文号
    region: str  # 6-digit 行政区划代码
    path: tuple[int, ...]  # itself, then its ancestors
    city: str
    county: str
    review_body: str
    court: str
    bank: str
    account: str
    address: str
    phone: str
    postcode: str


@dataclass(frozen=True, slots=True)
class Officer:
    name: str
    cert_no: str
    username: str


@dataclass(frozen=True, slots=True)
class FormDef:
    id: str
    name: str
    code: str | None
    numbered: bool
    source: str  # case | inherit | counter | none
    counter: str
    parents: tuple[str, ...]
    fields: dict[str, dict[str, Any]]
    segments: tuple[str, ...]  # compiled text: literals, and "\x00slot" references
    body: str  # the slot that grows to reach the target length ("" = append a 备注)


@dataclass(slots=True)
class World:
    orgs: list[Org]
    officers: dict[int, list[Officer]]
    counties: list[Org]
    forms: dict[str, FormDef]
    clauses: dict[str, list[dict[str, Any]]]
    hazards_by_industry: dict[str, list[Hazard]]
    general_hazards: list[Hazard]


def _person_names(r: random.Random, n: int, taken: set[str]) -> list[tuple[str, str]]:
    """``n`` distinct (name, pinyin) pairs; two- and three-character names as in real rosters."""
    out: list[tuple[str, str]] = []
    while len(out) < n:
        s, sp = r.choice(_SURNAMES)
        g = [r.choice(_GIVEN) for _ in range(1 if r.random() < 0.45 else 2)]
        name = s + "".join(c for c, _ in g)
        if name in taken:
            continue
        taken.add(name)
        out.append((name, sp + "".join(p for _, p in g)))
    return out


def _build_orgs() -> list[Org]:
    orgs = [
        Org(
            1,
            "山西省应急管理厅",
            "山西省",
            "province",
            "晋",
            "140000",
            (1,),
            "",
            "",
            "山西省人民政府",
            "太原市中级人民法院",
            "中国工商银行太原并州支行",
            "0502 1100 0902 0000 118",
            "山西省太原市迎泽区新建南路11号",
            "0351-4040111",
            "030012",
        ),
    ]
    for i, (city, code, area, tel, _counties) in enumerate(_CITIES):
        orgs.append(
            Org(
                2 + i,
                f"{city}应急管理局",
                city,
                "city",
                area,
                f"14{code}00",
                (2 + i, 1),
                city,
                "",
                f"{city}人民政府",
                f"{city}中级人民法院",
                f"中国工商银行{city[:-1]}分行营业部",
                f"05{code} 0012 0900 {2000 + i:04d} 118",
                f"山西省{city}{_ROADS[i % len(_ROADS)]}{10 + i * 7}号",
                f"{tel}-20{i:02d}110",
                f"0{_POSTCODES[city]}000",
            )
        )
    next_id = 2 + len(_CITIES)
    for i, (city, code, area, tel, counties) in enumerate(_CITIES):
        used: set[str] = set()
        for k, county in enumerate(counties):
            # county 简称: the city's plus the county's first free character (晋临尧, 晋临侯 …)
            ch = next(c for c in county if c not in used)
            used.add(ch)
            name = f"{county}应急管理局" if county.endswith("市") else f"{city}{county}应急管理局"
            orgs.append(
                Org(
                    next_id,
                    name,
                    county,
                    "county",
                    area + ch,
                    f"14{code}{k + 2:02d}",
                    (next_id, 2 + i, 1),
                    city,
                    county,
                    f"{city}{county}人民政府" if not county.endswith("市") else f"{county}人民政府",
                    f"{city}{county}人民法院" if not county.endswith("市") else f"{county}人民法院",
                    f"中国工商银行{county[:-1]}支行",
                    f"05{code} {k + 10:02d}12 0902 {4400 + k:04d} 223",
                    f"山西省{city}{county}{_ROADS[(i + k) % len(_ROADS)]}{100 + k * 9}号",
                    f"{tel}-{2021000 + k * 137}",
                    f"0{_POSTCODES[city]}{(k + 1) * 100:03d}",
                )
            )
            next_id += 1
    return orgs


# ── templates: the static text of the DOCX forms, compiled once into segments ────────────────

_BLOCK = re.compile(r"^\{%(?:p|tr)\s+(for|if|endfor|endif)\b\s*(.*?)\s*%\}$")
_EXPR = re.compile(r"\{\{(.*?)\}\}")
_INLINE_IF_ELSE = re.compile(r"\{%\s*if [^%]*%\}(.*?)\{%\s*else\s*%\}(.*?)\{%\s*endif\s*%\}")
_INLINE_TAG = re.compile(r"\{%.*?%\}")
_SLOT = "\x00"
_DROP_IF = ("confiscation", "unplanned_reason")
_BODY_FIELDS = (
    "findings",
    "problems",
    "violations",
    "facts",
    "case_summary",
    "facts_and_basis",
    "qa",
    "record",
    "opinion",
    "investigation_process",
    "summary",
    "discussion",
    "decision",
    "hazard",
    "violation",
    "result",
    "inspection_items",
    "handler_opinion",
    "basis",
    "subject",
    "non_performance",
    "decision_content",
)
# Forms without a DOCX template print these clauses (the templated ones name theirs).
_CLAUSES_OF: dict[str, tuple[str, ...]] = {
    "seizure_decision": ("seizure_term", "seizure_disposal", "remedy_onsite"),
    "seizure_disposal_decision": ("remedy",),
    "supply_stop_notice": ("supply_stop",),
    "supply_stop_decision": ("supply_stop", "remedy_onsite"),
    "fine_reminder": ("surcharge",),
    "surcharge_decision": ("surcharge", "remedy"),
    "enforcement_demand": ("enforcement_demand",),
    "enforcement_application": ("enforcement_application",),
    "onsite_penalty_decision_org": ("simple_penalty_payment", "remedy", "simple_penalty_filing"),
    "penalty_decision_person": ("penalty_payment", "remedy", "penalty_enforcement_warning"),
    "no_penalty_decision": ("remedy",),
    "preservation_notice": ("preservation_disposal",),
    "hearing_meeting_notice": ("hearing_meeting",),
}


def _docx_lines(path: Path) -> list[str]:
    """The template's paragraphs and table rows in document order; a row whose cells are a label and
    single-line values becomes one ``label：value`` line, as it reads on paper."""
    document = docx.Document(str(path))
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, document).text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) not in seen:
                        seen.add(id(cell._tc))
                        cells.append([p.text for p in cell.paragraphs])
                flat = [c[0] for c in cells if len(c) == 1]
                simple = len(flat) == len(cells) and not any(t.startswith("{%") for t in flat)
                if simple and len(cells) % 2 == 0 and not any("{" in t for t in flat[::2]):
                    lines.append("　".join(f"{a}：{b}" for a, b in zip(flat[::2], flat[1::2], strict=True)))
                elif simple and len(cells) >= 2 and "{" not in cells[0][0]:
                    lines.append(cells[0][0] + "：" + "　".join(t for t in flat[1:] if t))
                elif len(cells) >= 2 and len(cells[0]) == 1 and "{" not in cells[0][0]:
                    lines.append(cells[0][0] + "：")
                    lines.extend(t for c in cells[1:] for t in c)
                else:
                    lines.extend(t for c in cells for t in c)
    return lines


def _slot_name(expr: str) -> str:
    """Map a Jinja expression of the templates to the name the resolver knows."""
    e = expr.strip()
    if e.startswith("officers|"):
        return "officers.name" if "'name'" in e else "officers.cert_no"
    if e.startswith("approvals|"):
        return "approvals.review" if "'review'" in e else "approvals.approve"
    if e.startswith("["):
        return "f.materials"
    if m := re.match(r"clause\.get\('(\w+)'", e):
        return "clause." + m.group(1)
    if "checkbox" in e:
        return "box"
    if m := re.match(r"'(\w)' if ", e):
        return "lit:" + m.group(1)
    base = re.split(r"\s+or\s+|\s+if\s+", e)[0]
    name, *filters = (p.strip() for p in base.split("|"))
    for f in filters:
        if f.startswith("money_upper"):
            return name + "|upper"
        if f.startswith("money"):
            return name + "|money"
        if f.startswith("cn_datetime_range"):
            return name + "|range"
    return name


def _compile(lines: Sequence[str]) -> tuple[str, ...]:
    """Template lines → segments: literal strings and ``\\x00slot`` references. A ``for`` block
    becomes one slot (the resolver renders the list); ``if not`` blocks (blank placeholders for
    missing values) are dropped; other ``if`` blocks keep their content."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if m := _BLOCK.match(line.strip()):
            kind, rest = m.groups()
            # ``if not`` blocks print blanks for missing values; the dropped fields are ones a real
            # document rarely has (没收违法所得, 未制定检查方案的理由)
            if kind == "for" or (kind == "if" and (rest.startswith("not ") or any(x in rest for x in _DROP_IF))):
                depth, block = 1, []
                while i < len(lines) and depth:
                    inner = _BLOCK.match(lines[i].strip())
                    if inner and inner.group(1) in ("for", "if"):
                        depth += 1
                    elif inner and inner.group(1) in ("endfor", "endif"):
                        depth -= 1
                    block.append(lines[i])
                    i += 1
                if kind == "for":
                    name = _slot_name(rest.split(" in ", 1)[1])
                    if name == "officers":  # keep the block's label: 检查人员（签名）/ 勘验人（签名）…
                        label = next((x.group(1) for b in block if (x := re.search(r"loop\.first %\}(.*?)\{%", b))), "")
                        name = "officers:" + (label or "执法人员（签名）：")
                    out += [_SLOT + name, "\n"]
            continue
        if not line.strip():
            continue
        line = _INLINE_TAG.sub("", _INLINE_IF_ELSE.sub(r"\2", line))
        pos = 0
        for m in _EXPR.finditer(line):
            if m.start() > pos:
                out.append(line[pos : m.start()])
            out.append(_SLOT + _slot_name(m.group(1)))
            pos = m.end()
        out.append(line[pos:] + "\n")
    return tuple(out)


def _generic_lines(form: dict[str, Any]) -> list[str]:
    """Template lines for a form without a DOCX template: heading, 文号, the catalogue's field labels
    with their values, its clauses, the officers' signatures, the issuing organisation and date."""
    lines = ["{{ org.name }}", form["name"]]
    if form.get("numbered"):
        lines.append("{{ doc.number }}")
    lines.append("{{ party.name }}：")
    for f in form.get("fields", []):
        if f.get("type") in ("list", "table"):
            lines += [f"{f['label']}：", f"{{{{ f.{f['id']} }}}}"]
        else:
            lines.append(f"{f['label']}：{{{{ f.{f['id']} }}}}")
    lines += [f"{{{{ clause.get('{c}', '') }}}}" for c in _CLAUSES_OF.get(form["id"], ())]
    lines += ["{%p for o in officers %}", "{% if loop.first %}执法人员（签名）：{% else %}{% endif %}", "{%p endfor %}"]
    lines += ["{{ org.name }}", "{{ doc.date|cn_date }}"]
    return lines


def _form_defs() -> dict[str, FormDef]:
    catalogue = yaml.safe_load(_CATALOGUE.read_text(encoding="utf-8"))
    forms: dict[str, FormDef] = {}
    for form in catalogue["forms"]:
        template = form.get("template")
        lines = _docx_lines(_FORMS_DIR / template) if template else _generic_lines(form)
        if template and form["id"] in _CLAUSES_OF:
            lines += [f"{{{{ clause.get('{c}', '') }}}}" for c in _CLAUSES_OF[form["id"]]]
        segments = _compile(lines)
        slots = {s[1:] for s in segments if s.startswith(_SLOT)}
        body = next((f"f.{b}" for b in _BODY_FIELDS if f"f.{b}" in slots), "")
        number = form.get("number") or {}
        forms[form["id"]] = FormDef(
            id=form["id"],
            name=form["name"],
            code=form.get("code"),
            numbered=bool(form.get("numbered")),
            source=number.get("source", "none") if form.get("numbered") else "none",
            counter=number.get("counter", form["id"]),
            parents=tuple(number.get("parents", ())),
            fields={f["id"]: f for f in form.get("fields", [])},
            segments=segments,
            body=body,
        )
    return forms


@cache
def _world(seed: int) -> World:
    r = random.Random(f"{seed}:world")
    orgs = _build_orgs()
    taken: set[str] = set()
    officers: dict[int, list[Officer]] = {}
    usernames: set[str] = set()
    for org in orgs:
        staff = []
        for j, (name, pinyin) in enumerate(_person_names(r, 6 if org.level == "province" else 5, taken)):
            user = pinyin
            k = 2
            while user in usernames:
                user, k = f"{pinyin}{k}", k + 1
            usernames.add(user)
            staff.append(Officer(name, f"{org.region}{r.randint(2010, 2023)}{(j + 1) * 7 + r.randint(0, 6):04d}", user))
        officers[org.id] = staff
    clauses: dict[str, list[dict[str, Any]]] = {}
    for c in yaml.safe_load(_CLAUSES.read_text(encoding="utf-8"))["clauses"]:
        clauses.setdefault(c["id"], []).append(c)
    by_industry: dict[str, list[Hazard]] = {i.label: [] for i in INDUSTRIES}
    general = []
    for h in HAZARDS:
        assert h.term in h.finding, h.term  # a query for the term must find the finding
        if not h.industries:
            general.append(h)
        for label in h.industries:
            by_industry[label].append(h)
    return World(
        orgs=orgs,
        officers=officers,
        counties=[o for o in orgs if o.level == "county"],
        forms=_form_defs(),
        clauses=clauses,
        hazards_by_industry=by_industry,
        general_hazards=general,
    )


# ── enterprises (parties) ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Enterprise:
    name: str
    trade: str  # 字号
    credit_code: str
    industry: Industry
    county: Org
    address: str
    legal_rep: str
    position: str
    phone: str
    founded: int
    staff: int


class _Enterprises:
    """A Zipf-like population of enterprises, each made on first use from its own seeded stream so
    that the pool can be large (tens of thousands) while only the drawn ones cost anything."""

    def __init__(self, world: World, seed: int, size: int) -> None:
        self.world, self.seed, self.size = world, seed, size
        self.cache: dict[int, Enterprise] = {}
        self.names: set[str] = set()
        self.weights = [i.weight for i in INDUSTRIES]
        self.log_lo = math.log(30)  # the offset flattens the head: the top one gets ~0.3 % of cases
        self.log_hi = math.log(size + 30)

    def draw(self, r: random.Random) -> Enterprise:
        rank = int(math.exp(self.log_lo + r.random() * (self.log_hi - self.log_lo))) - 30
        return self.get(min(max(rank, 0), self.size - 1))

    def get(self, i: int) -> Enterprise:
        if (e := self.cache.get(i)) is not None:
            return e
        r = random.Random(f"{self.seed}:ent:{i}")
        county = r.choice(self.world.counties)
        industry = r.choices(INDUSTRIES, self.weights)[0]
        suffix = r.choices([s for s, _ in _SUFFIXES], [w for _, w in _SUFFIXES])[0]
        while True:  # names are unique: redraw the 字号 on a clash
            trade = r.choice(_TRADE_CHARS) + r.choice(_TRADE_CHARS)
            if trade[0] == trade[1]:
                continue
            word = r.choice(industry.words)
            style = r.random()
            if style < 0.6:
                place = county.county if county.county.endswith("市") else county.city + county.county
            elif style < 0.85:
                place = county.city
            else:
                place = "山西"
            name = f"{place}{trade}{word}{suffix}"
            if name not in self.names:
                break
        self.names.add(name)
        rep = _person_names(r, 1, set())[0][0]
        address = f"山西省{county.city}{county.county}{r.choice(_TOWNS)}{r.choice(_ROADS)}{r.randint(1, 288)}号"
        e = Enterprise(
            name=name,
            trade=trade,
            credit_code=credit_code(county.region, r),
            industry=industry,
            county=county,
            address=address,
            legal_rep=rep,
            position=r.choice(_POSITIONS),
            phone=f"1{r.choice('35789')}{r.randint(0, 9)}{r.randint(10000000, 99999999)}",
            founded=r.randint(1998, 2019),
            staff=r.randint(8, 1200),
        )
        self.cache[i] = e
        return e


# ── one case and its records ──────────────────────────────────────────────────────────────────


@dataclass(slots=True)
class _Case:
    id: int
    kind: str  # inspection | penalty
    procedure: str  # general | simple | "" (inspection)
    org: Org
    ent: Enterprise
    officers: list[Officer]
    creator: str
    hazards: list[Hazard]
    start: dt.date
    name: str = ""
    cause: str = ""
    case_no: str = ""
    case_seq: int = 0
    case_year: int = 0
    chain_seq: int = 0
    chain_year: int = 0
    amount: float | None = None
    decided: dt.date | None = None
    place: str = ""
    code_uses: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, tuple[str, dt.date]] = field(default_factory=dict)  # form → (number, date)
    records: list[tuple[str, str, str, dt.date, str]] = field(default_factory=list)  # 卷内目录 entries


class _State:
    def __init__(self, world: World, seed: int, n: int) -> None:
        self.world = world
        self.enterprises = _Enterprises(world, seed, max(1000, n // 2))
        self.counters: dict[tuple[int, int, str], int] = {}
        self.keys = {"document": 0, "attachment": 0, "casefile": 0}
        self.clause_cache: dict[tuple[str, int, int], str] = {}

    def next(self, org_id: int, year: int, counter: str) -> int:
        k = (org_id, year, counter)
        self.counters[k] = self.counters.get(k, 0) + 1
        return self.counters[k]

    def key(self, kind: str) -> str:
        self.keys[kind] += 1
        return {"document": "doc", "attachment": "att", "casefile": "cf"}[kind] + f":{self.keys[kind]}"


def _number(area: str, code: str, year: int, seq: int, suffix: int = 0) -> str:
    tail = f"{seq}-{suffix}" if suffix > 1 else f"{seq}"
    return f"（{area}）{ORG_CODE}{code}〔{year}〕{tail}号"


def _amount(r: random.Random, lo: float = 1000, hi: float = 500000) -> float:
    """Fines cluster in the tens of thousands (log-uniform), rounded as decisions round them."""
    raw = math.exp(r.uniform(math.log(lo), math.log(hi)))
    step = 1000 if raw >= 10000 else 100
    return float(max(lo, min(hi, round(raw / step) * step)))


class _Doc:
    """Everything one document's text is made from; ``value`` resolves a template slot."""

    __slots__ = ("amount", "boxes", "c", "date", "form", "number", "parent", "r", "st", "w")

    def __init__(self, st: _State, c: _Case, form: FormDef, date: dt.date, number: str, r: random.Random) -> None:
        self.st, self.w, self.c, self.form, self.date, self.number, self.r = st, st.world, c, form, date, number, r
        self.amount = c.amount
        self.boxes = 0
        self.parent = next((c.numbers[p] for p in form.parents if p in c.numbers), None)

    def hazards(self) -> list[Hazard]:
        """What this document names: the case's hazards, now and then one more of its industry."""
        hs = self.c.hazards
        if self.r.random() < 0.25:
            pool = self.w.hazards_by_industry[self.c.ent.industry.label] or self.w.general_hazards
            extra = self.r.choice(pool)
            if extra not in hs:
                return [*hs, extra]
        return hs

    def clause(self, cid: str) -> str:
        versions = self.w.clauses.get(cid)
        if not versions:
            return ""
        idx = 0
        for i, v in enumerate(versions):
            if v["effective_from"] <= self.date and (v.get("effective_to") is None or self.date <= v["effective_to"]):
                idx = i
        key = (cid, idx, self.c.org.id)
        text = self.st.clause_cache.get(key)
        if text is None:
            v, org = versions[idx], self.c.org
            values = dict(v.get("params") or {})
            values.update(
                review_body=org.review_body, court=org.court, bank=org.bank, account=org.account, org_name=org.name
            )
            text = v["text"].strip().format_map(values)
            self.st.clause_cache[key] = text
        return text

    def value(self, slot: str, budget: int = 0) -> str:
        c = self.c
        head, _, attr = slot.partition(".")
        if head == "org":
            return str(getattr(c.org, attr, "")) if attr != "contact" else c.officers[0].name
        if head == "party":
            e = c.ent
            return {
                "name": e.name,
                "address": e.address,
                "legal_rep": e.legal_rep,
                "position": e.position,
                "phone": e.phone,
                "credit_code": e.credit_code,
                "postcode": c.org.postcode,
            }.get(attr, "")
        if head == "doc":
            return self.number if attr == "number" else cn_date(self.date)
        if head == "case":
            return c.name if attr == "name" else c.cause
        if head == "parent":
            if not self.parent:
                return ""
            return self.parent[0] if attr == "number" else cn_date(self.parent[1])
        if slot == "officers.name":
            return "、".join(o.name for o in c.officers)
        if slot == "officers.cert_no":
            return "、".join(o.cert_no for o in c.officers)
        if slot.startswith("officers:"):
            label = slot[9:]
            pad = "　" * len(label)
            return "\n".join(
                f"{label if i == 0 else pad}{o.name}　　执法证号：{o.cert_no}" for i, o in enumerate(c.officers)
            )
        if head == "approvals":
            if attr == "review":
                return f"同意，报请审批。\n签名：{self.w.officers[c.org.id][-1].name}　　{cn_date(self.date)}"
            return f"同意。\n签名：{self.w.officers[c.org.id][-2].name}　　{cn_date(self.date)}"
        if head == "clause":
            return self.clause(attr)
        if slot == "box":  # 是/否 pairs and choice rows: one ticked, the others not
            self.boxes += 1
            return "☑" if self.boxes % 3 == 1 else "☐"
        if slot.startswith("lit:"):
            return slot[4:]
        if head == "f":
            return self.field(attr, budget)
        return ""

    def field(self, spec: str, budget: int = 0) -> str:
        fid, _, filt = spec.partition("|")
        if fid in ("fine", "proposed_fine", "fine_collected", "total", "outstanding"):
            amount = self.amount or _amount(self.r)
            return money_upper(amount) if filt == "upper" else f"{amount:.2f}"
        if filt == "range" or fid in ("start_time", "end_time", "inquiry_time", "hearing_time", "stop_time"):
            h = self.r.randint(8, 15)
            m = self.r.choice(("00", "10", "30", "40"))
            return f"{cn_date(self.date)}{h}时{m}分至{h + self.r.randint(1, 2)}时{self.r.randint(0, 5)}0分"
        spec_ = self.form.fields.get(fid, {})
        ftype = spec_.get("type", "text")
        gen = _FIELD.get(fid)
        if gen is not None:
            return gen(self, budget)
        if ftype == "date":
            return cn_date(self.date + dt.timedelta(days=self.r.randint(0, 20)))
        if ftype == "datetime":
            return f"{cn_date(self.date)}{self.r.randint(8, 16)}时{self.r.choice(('00', '30'))}分"
        if ftype == "choice":
            return self.r.choice(spec_.get("choices") or ["是"])
        if ftype == "multichoice":
            choices = spec_.get("choices") or []
            return "、".join(self.r.sample(choices, k=min(len(choices), self.r.randint(1, 3))))
        if ftype == "boolean":
            return "是" if self.r.random() < 0.4 else "否"
        if ftype == "integer":
            return str(self.r.randint(1, 5))
        if ftype == "money":
            return f"{(self.amount or 0) * 0.03:.2f}"
        if ftype in ("list", "table", "longtext"):
            return _narrative(self, budget or 60)
        return ""

    def render(self, target: int) -> str:
        """The text, with the body slot grown so that the whole reaches about ``target`` chars."""
        parts: list[str] = []
        body_at = -1
        for seg in self.form.segments:
            if seg[0] == _SLOT:
                if seg[1:] == self.form.body and body_at < 0:
                    body_at = len(parts)
                    parts.append("")
                else:
                    parts.append(self.value(seg[1:]))
            else:
                parts.append(seg)
        have = sum(map(len, parts))
        budget = max(60, target - have)
        if body_at >= 0:
            body = self.value(self.form.body, budget)
            if len(body) < budget - 80:  # a field that cannot grow (询问事由): the background follows it
                body += "\n" + _narrative(self, budget - len(body) - 1)
            parts[body_at] = body
        else:  # a short form (询问通知书, 送达回执): the 备注 carries the case's background
            parts.append("备注：" + _narrative(self, budget - 3))
        text = "".join(parts)
        return text if len(text) <= TEXT_MAX else text[:TEXT_MAX]


# ── sentence makers: each grows a field to a length budget ────────────────────────────────────
# A document names its case's few hazards; the rest of its text is procedural wording (who did
# what, when, with which evidence). That keeps hazard terms selective, as in a real archive, while
# words like 整改 / 安全生产 / 执法人员 occur nearly everywhere.

_EXCUSES = (
    "主要是公司对安全管理重视不够，相关制度没有落实到位",
    "当时生产任务紧，没有按规定执行",
    "相关负责人员刚调整，工作没有衔接好",
    "我们对有关规定理解不到位",
    "班组长认为作业时间短，直接安排人员作业",
    "公司原来安排了专人负责，但是没有检查落实",
)
_CATEGORIES = ("计划执法", "专项执法", "其他执法", "双随机抽查", "举报核查")
_EVIDENCE = _tuple(
    "现场检查记录,询问笔录,勘验笔录及现场照片,营业执照复印件,法定代表人身份证明,现场照片,有关管理制度及台账复印件,检测报告"
)
_DOCS_SEEN = _tuple(
    "安全生产责任制文件,安全管理制度汇编,安全操作规程,安全生产教育培训记录,隐患排查治理台账,特种作业人员持证台账,"
    "应急预案及演练记录,设备设施维护保养记录,安全生产费用提取使用台账,外包单位安全管理协议,劳动防护用品发放记录,危险作业审批单"
)
_DEFENCE = ("未提出陈述申辩", "提交了书面陈述申辩材料", "口头提出了陈述申辩")

# Procedural sentences (str.format templates): {n:3-40} is a random integer in that range; the
# other names are resolved per use by _Values (one random draw each time a name appears).
_PROCEDURAL = tuple(
    row[0]
    for row in _table("""
执法人员向{rep}出示了行政执法证件，说明了检查的依据和内容，告知了当事人依法享有的权利和义务。
检查中，执法人员查阅了{party}的{docs}等资料。
{place}现场共有作业人员{n:3-40}人，正在进行{product}生产作业。
该单位{lastyear}年度提取安全生产费用{n:5-300}万元，已使用{n:2-200}万元。
企业已建立安全管理制度{n:12-48}项，但部分制度未结合本单位实际及时修订。
执法人员对{place}进行了拍照取证，共拍摄现场照片{n:3-24}张，并由现场负责人签字确认。
{rep}作为{party}的主要负责人，对本单位安全生产工作全面负责。
检查过程中，{position}{rep}全程陪同，对检查发现的问题无异议。
当事人提交了{evidence}等材料，经核对与原件一致。
执法人员要求该单位立即组织整改，并于{deadline}前将整改情况书面报告{org}。
该单位现有特种作业人员{n:2-30}人，已建立特种作业人员持证台账。
{place}建筑面积约{n:200-9000}平方米，设有{n:2-6}个安全出口。
该单位上一次接受安全生产执法检查为{lastyear}年{n:1-12}月，当时发现的{n:1-6}项问题已整改完毕。
根据{discretion}，当事人的违法行为属于{severity}情形。
当事人在规定期限内{defence}。
本案经{org}负责人批准立案调查，承办人为{officers}。
执法人员于{today}向当事人送达了有关执法文书，由{rep}签收。
经查询国家企业信用信息公示系统，当事人登记状态为存续，统一社会信用代码为{code}。
该单位{product}年产量约{n:1-120}万吨，生产工艺未发生重大变化。
该单位已设置安全生产管理机构，配备专职安全生产管理人员{n:1-8}人、兼职安全员{n:2-20}人。
执法人员随机抽查了{n:2-6}名从业人员的安全生产教育和培训情况，{n:0-2}人不能正确回答本岗位安全操作要求。
该单位所在地为{county}，属{org}安全生产监督管理范围。
上述事实有现场检查记录、询问笔录、现场照片等证据证实，证据之间能够相互印证。
执法人员告知当事人，对检查中发现的事故隐患应当立即采取措施消除，不能立即消除的应当制定整改方案。
经核实，该单位从业人员共{staff}人，其中劳务派遣人员{n:0-40}人。
当事人对执法程序无异议，{rep}在笔录上逐页签字并按手印。
检查结束后，执法人员将检查情况向{org}分管负责人作了汇报。
{org}将依法对整改情况进行复查，逾期未整改或者整改不合格的，依法予以处理。
该单位已与{n:1-6}家外包单位签订了安全生产管理协议，明确了各自的安全生产管理职责。
该单位{lastyear}年组织应急演练{n:0-4}次，演练记录{complete}。
""")
)


class _Rand:
    """Formats as a random integer in the range its format spec names: ``{n:3-40}``."""

    __slots__ = ("r",)

    def __init__(self, r: random.Random) -> None:
        self.r = r

    def __format__(self, spec: str) -> str:
        lo, hi = spec.split("-")
        return str(self.r.randint(int(lo), int(hi)))


_VALUES: dict[str, Callable[[_Doc], Any]] = {
    "n": lambda d: _Rand(d.r),
    "rep": lambda d: d.c.ent.legal_rep,
    "party": lambda d: d.c.ent.name,
    "position": lambda d: d.c.ent.position,
    "code": lambda d: d.c.ent.credit_code,
    "staff": lambda d: d.c.ent.staff,
    "county": lambda d: d.c.ent.county.city + d.c.ent.county.county,
    "place": lambda d: _place(d),
    "product": lambda d: d.r.choice(d.c.ent.industry.products),
    "org": lambda d: d.c.org.name,
    "officers": lambda d: "、".join(o.name for o in d.c.officers),
    "today": lambda d: cn_date(d.date),
    "deadline": lambda d: cn_date(d.date + dt.timedelta(days=d.r.randint(7, 30))),
    "lastyear": lambda d: d.date.year - 1,
    "docs": lambda d: "、".join(d.r.sample(_DOCS_SEEN, 3)),
    "evidence": lambda d: d.r.choice(_EVIDENCE),
    "discretion": lambda d: d.r.choice(DISCRETION),
    "severity": lambda d: d.r.choice(("一般", "较重", "严重")),
    "defence": lambda d: d.r.choice(_DEFENCE),
    "complete": lambda d: d.r.choice(("完整", "不完整")),
}


class _Values(dict[str, Any]):
    """``str.format_map`` values drawn on demand for one document."""

    def __init__(self, d: _Doc) -> None:
        super().__init__()
        self.d = d

    def __missing__(self, key: str) -> Any:
        return _VALUES[key](self.d)


def _place(d: _Doc) -> str:
    return d.r.choice(d.c.ent.industry.places)


def _procedural(d: _Doc) -> Iterator[str]:
    """The procedural sentences in a random order, each once before any repeats."""
    order = list(range(len(_PROCEDURAL)))
    values = _Values(d)
    while True:
        d.r.shuffle(order)
        for i in order:
            yield _PROCEDURAL[i].format_map(values)


def _hazard_sentence(d: _Doc, h: Hazard) -> str:
    k = d.r.random()
    if k < 0.3:
        return f"经查，{h.finding}，上述情况有现场检查记录、现场照片等证据证实。"
    if k < 0.5:
        return f"{_place(d)}存在{h.term}方面的问题：{h.finding}。"
    if k < 0.7:
        return f"现场负责人{d.c.ent.legal_rep}对{h.term}问题予以确认，并在现场检查记录上签字。"
    if k < 0.85:
        return f"{h.finding}的行为违反了{LAWS[h.law][0]}的规定。"
    return f"经调取有关台账，{h.finding}的情况已持续约{d.r.randint(2, 14)}个月，{d.r.choice(_EXCUSES)}。"


def _narrative_iter(d: _Doc) -> Iterator[str]:
    c, e = d.c, d.c.ent
    h = c.hazards[0]
    yield (
        f"{cn_date(c.start)}，{c.org.name}执法人员{c.officers[0].name}、{c.officers[1].name}依法对{e.name}"
        f"进行{d.r.choice(_CATEGORIES)}现场检查，发现{h.finding}。"
    )
    yield (
        f"该单位成立于{e.founded}年，主要从事{'、'.join(e.industry.products)}的生产经营，"
        f"现有从业人员{e.staff}人，所属行业为{e.industry.sector}。"
    )
    hazards = d.hazards()
    procedural = _procedural(d)
    for i in range(10_000):
        if i % 3 == 0:  # one sentence in three is about the case's hazards
            yield _hazard_sentence(d, hazards[(i // 3) % len(hazards)])
        else:
            yield next(procedural)


def _narrative(d: _Doc, budget: int) -> str:
    return _grow(_narrative_iter(d), budget, "")


def _grow(items: Iterator[str], budget: int, sep: str = "\n") -> str:
    """Items until the next would pass ``budget`` (at least one): texts end near, not over, it."""
    out: list[str] = []
    n = 0
    for s in items:
        if out and n + len(s) > budget:
            break
        out.append(s)
        n += len(s) + len(sep)
    return sep.join(out)


def _numbered(d: _Doc, budget: int, make: Callable[[Hazard], str]) -> str:
    """A numbered list of the case's hazards (what the form lists); ``render`` adds background text
    after it when the budget asks for more."""
    items = [f"{i}. {make(h)}；" for i, h in enumerate(d.hazards(), 1)]
    return _grow(iter(items), budget or 80)


def _problems(d: _Doc, budget: int) -> str:
    return _numbered(d, budget, lambda h: h.finding)


def _decisions(d: _Doc, budget: int) -> str:
    return _numbered(d, budget, lambda h: f"立即停止{_place(d)}相关作业，{h.term}问题整改完毕并经复查合格后方可恢复")


def _items(d: _Doc, budget: int) -> str:
    generic = (
        "安全生产责任制及安全管理制度落实情况",
        "安全生产教育和培训情况",
        "特种作业人员持证上岗情况",
        "事故隐患排查治理情况",
        "应急预案及演练情况",
    )
    items = [f"{h.term}安全管理情况" for h in d.hazards()] + list(d.r.sample(generic, 3))
    return "\n".join(f"{i}. {x}；" for i, x in enumerate(items, 1))


def _evidence(d: _Doc, budget: int) -> str:
    picks = d.r.sample(_EVIDENCE, k=d.r.randint(3, 6))
    return "\n".join(f"{i}. {p}" for i, p in enumerate(picks, 1))


# question | answer (询问笔录: general questions asked in most inquiries)
_QA = tuple(
    (q, a)
    for q, a in _table("""
你单位是否设置了安全生产管理机构？|设置了安全环保部，配备了专职安全生产管理人员。
你单位对新入职从业人员是否进行安全生产教育和培训？|进行了三级安全教育，但是培训记录不全。
你单位是否制定了生产安全事故应急救援预案？|制定了，去年组织过一次演练。
你单位特种作业人员是否持证上岗？|大部分持证，个别人员证件正在复审。
你单位是否建立了事故隐患排查治理制度？|建立了，每月组织一次综合检查。
你单位安全生产费用是如何提取和使用的？|按照营业收入的一定比例提取，主要用于安全设施改造和劳动防护用品。
你单位是否有外包作业？|有，设备检修外包给了专业单位。
你作为主要负责人，对本单位安全生产工作负有哪些职责？|建立健全安全生产责任制，组织制定安全管理制度，保证安全投入，督促检查安全生产工作。
执法人员检查时你是否在场？|在场，检查情况我都清楚。
现场照片所反映的情况是否属实？|属实。
""")
)


def _qa(d: _Doc, budget: int) -> str:
    c, r, e = d.c, d.r, d.c.ent

    def pairs() -> Iterator[str]:
        yield (
            f"问：请介绍一下你的基本情况和在公司的职务。\n"
            f"答：我叫{e.legal_rep}，是{e.name}的{e.position}，全面负责公司安全生产工作。"
        )
        yield (
            f"问：你单位的基本情况？\n"
            f"答：公司成立于{e.founded}年，主要从事{e.industry.products[0]}生产，现有从业人员{e.staff}人。"
        )
        for h in d.hazards():
            yield f"问：{cn_date(c.start)}执法人员检查时发现{h.finding}，情况是否属实？\n答：属实。"
            yield f"问：为什么会出现{h.term}方面的问题？\n答：{r.choice(_EXCUSES)}。"
            yield f"问：你单位对{h.term}问题采取了哪些整改措施？\n答：{h.fix}。"
        for q, a in r.sample(_QA, len(_QA)):
            yield f"问：{q}\n答：{a}"

    tail = "\n问：以上记录你看一下，是否与你说的一致？\n答：我看过了，和我说的一致。"
    return _grow(pairs(), (budget or 120) - len(tail)) + tail


def _review(d: _Doc, budget: int) -> str:
    head = f"复查时，{d.c.ent.legal_rep}在场，执法人员查看了整改后的现场，查阅了整改报告及整改前后对比照片。"
    body = "".join(f"经复查，你单位{h.fix}。" for h in d.hazards())
    tail = "上述问题已整改完毕。" if d.r.random() < 0.8 else "部分问题尚未整改到位，请继续整改。"
    return head + body + tail


def _opinion(d: _Doc, budget: int) -> str:
    c = d.c

    def sentences() -> Iterator[str]:
        h = c.hazards[0]
        law = LAWS[h.law]
        yield f"当事人{h.finding}的行为，违反了{law[0]}的规定，依据{law[1]}的规定，应当给予行政处罚。"
        yield f"本案事实清楚，证据确凿，程序合法，适用法律正确，参照{d.r.choice(DISCRETION)}，裁量适当。"
        yield from _narrative_iter(d)

    tail = f"建议给予罚款{money_upper(c.amount)}的行政处罚。" if c.amount else ""
    return _grow(sentences(), (budget or 60) - len(tail), "") + tail


def _statement(d: _Doc, budget: int) -> str:
    def sentences() -> Iterator[str]:
        yield "当事人对违法事实无异议，不要求听证。"
        for h in d.hazards():
            yield f"当事人称：关于{h.term}问题，{d.r.choice(_EXCUSES)}，目前{h.fix}，请求从轻处罚。"
        yield from _procedural(d)

    return _grow(sentences(), budget or 60, "")


def _law_violated(d: _Doc, budget: int) -> str:
    return "、".join(dict.fromkeys(LAWS[h.law][0] for h in d.c.hazards))


def _law_penalty(d: _Doc, budget: int) -> str:
    return "、".join(dict.fromkeys(LAWS[h.law][1] for h in d.c.hazards))


def _penalty(d: _Doc, budget: int) -> str:
    return f"罚款{money_upper(d.amount)}" if d.amount else "警告"


def _deliveries(d: _Doc, budget: int) -> str:
    lines = []
    for form, (number, date) in list(d.c.numbers.items())[-4:]:
        name = d.w.forms[form].name
        lines.append(
            f"{name}（{number}）　{d.c.ent.legal_rep}　当事人住所　{cn_date(date)}　直接送达　"
            f"{d.c.officers[0].name}、{d.c.officers[1].name}"
        )
    return "\n".join(lines)


def _person(d: _Doc, budget: int) -> str:
    return d.c.ent.legal_rep


def _officer(d: _Doc, budget: int) -> str:
    return d.r.choice(d.c.officers).name


def _materials(d: _Doc, budget: int) -> str:
    opts = (
        "营业执照",
        "法定代表人身份证明或者委托书",
        "居民身份证",
        "安全生产许可证等有关证照",
        "安全生产管理制度和操作规程",
        "安全生产教育培训记录",
        "特种作业人员操作资格证书",
        "其他有关材料",
    )
    return "　".join(("☑" if d.r.random() < 0.5 else "☐") + o for o in opts)


_FIELD: dict[str, Callable[[_Doc, int], str]] = {
    "findings": _problems,
    "problems": _problems,
    "violations": _problems,
    "violation": _narrative,
    "hazard": _narrative,
    "facts": _narrative,
    "case_summary": _narrative,
    "facts_and_basis": _opinion,
    "investigation_process": _narrative,
    "decisions": _decisions,
    "decision": _decisions,
    "proposed_measure": _decisions,
    "inspection_items": _items,
    "evidence": _evidence,
    "qa": _qa,
    "opinion": _review,
    "handler_opinion": _opinion,
    "suggestions": _opinion,
    "conclusion": _opinion,
    "discussion": _statement,
    "record": _statement,
    "summary": _statement,
    "presider_opinion": _opinion,
    "defence_opinion": _statement,
    "defence_adoption": _statement,
    "legal_basis": _law_violated,
    "violated_provisions": _law_violated,
    "provisions": _law_violated,
    "penalty_basis": _law_penalty,
    "transfer_basis": _law_penalty,
    "basis": _law_penalty,
    "penalty": _penalty,
    "proposed_penalty": _penalty,
    "deliveries": _deliveries,
    "materials": _materials,
    "onsite_person": _person,
    "contact_person": _person,
    "inquiree": _person,
    "interviewee": _person,
    "speaker": _person,
    "applicant_rep": _person,
    "interviewer": _officer,
    "handler": _officer,
    "recorder": _officer,
    "presider": _officer,
    "reviewer": _officer,
    "clerk": _officer,
    "reporter": _officer,
    "signer": _officer,
    "surveyors": lambda d, b: "\n".join(f"{o.name}　{d.c.org.name} 执法人员" for o in d.c.officers),
    "parties_present": lambda d, b: f"{d.c.ent.legal_rep}　{d.c.ent.name} {d.c.ent.position}　{d.c.ent.phone}",
    "place": lambda d, b: f"{d.c.ent.name}{_place(d)}",
    "inquiry_place": lambda d, b: f"{d.c.org.name}执法室",
    "hearing_place": lambda d, b: f"{d.c.org.name}听证室",
    "employer": lambda d, b: d.c.ent.name,
    "recipient": lambda d, b: d.c.ent.name,
    "position": lambda d, b: d.c.ent.position,
    "onsite_person_position": lambda d, b: d.c.ent.position,
    "phone": lambda d, b: d.c.ent.phone,
    "address": lambda d, b: d.c.ent.address,
    "industry": lambda d, b: d.c.ent.industry.sector,
    "weather": lambda d, b: d.r.choice(("晴", "阴", "多云", "小雨")),
    "reason": lambda d, b: f"你单位{d.c.hazards[0].finding}",
    "rectify_items": lambda d, b: f"第1至{len(d.c.hazards) + 1}项",
    "attachments": lambda d, b: f"现场照片{d.r.randint(2, 12)}张",
    "age": lambda d, b: str(d.r.randint(28, 60)),
    "gender": lambda d, b: d.r.choice(("男", "男", "女")),
    "id_number": lambda d, b: (
        f"{d.c.ent.county.region}19{d.r.randint(60, 95)}{d.r.randint(1, 12):02d}{d.r.randint(1, 28):02d}"
        f"{d.r.randint(1000, 9999)}"
    ),
    "receiving_authority": lambda d, b: f"{d.c.ent.county.city}公安局",
    "receiving_department": lambda d, b: f"{d.c.ent.county.county}市场监督管理局",
    "supplier_name": lambda d, b: f"国网山西省电力公司{d.c.ent.county.city[:-1]}供电公司",
    "discretion": lambda d, b: f"当事人初次违法，积极配合调查并已整改，依据{d.r.choice(DISCRETION)}，按一般情形处罚。",
}


# ── case plans: which forms a case has, in order, with the days between them ────────────────


def _plan_inspection(r: random.Random) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if r.random() < 0.7:
        out.append(("inspection_plan", 0))
    out.append(("inspection_record", r.randint(1, 7) if out else 0))
    if r.random() < 0.15:
        out.append(("photo_evidence", 0))
    measures = r.random() < 0.3
    if measures:
        out.append(("onsite_measures_decision", 0))
    if r.random() < 0.05:
        out += [("enforcement_approval", 0), ("seizure_decision", 0), ("seizure_list", 0)]
        if r.random() < 0.5:
            out.append(("seizure_disposal_decision", r.randint(10, 15)))
    if r.random() < 0.03:
        out += [("supply_stop_notice", 1), ("supply_stop_decision", 1), ("supply_resume_notice", r.randint(5, 20))]
    order = r.random() < 0.85
    if order:
        out.append(("rectification_order", 0))
    if r.random() < 0.05:
        out.append(("sampling_voucher", 0))
    if r.random() < 0.03:
        out.append(("non_jurisdiction_transfer", r.randint(1, 3)))
    if order and r.random() < 0.06:
        out += [
            ("reinspection_extension_approval", r.randint(10, 20)),
            ("reinspection_extension_reply", r.randint(1, 3)),
        ]
    if (order or measures) and r.random() < 0.85:
        out.append(("reinspection_opinion", r.randint(10, 35)))
    return out


_MANDATORY = {
    "case_filing_approval",
    "investigation_report",
    "penalty_notice",
    "penalty_decision_org",
    "no_penalty_decision",
    "case_closing_approval",
    "onsite_penalty_decision_org",
    "inspection_record",
}


def _plan_general(r: random.Random, amount: float | None) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if r.random() < 0.85:
        out.append(("inspection_record", 0))
        if r.random() < 0.5:
            out.append(("rectification_order", 0))
    out.append(("case_filing_approval", r.randint(1, 5) if out else 0))
    for _ in range(r.choice((1, 1, 2))):
        out += [("inquiry_notice", r.randint(1, 3)), ("inquiry_record", r.randint(2, 5))]
    if r.random() < 0.5:
        out.append(("survey_record", 0))
    if r.random() < 0.3:
        out.append(("photo_evidence", 0))
    if r.random() < 0.08:
        out += [
            ("preservation_approval", 0),
            ("preservation_notice", 0),
            ("preservation_disposal_approval", r.randint(4, 6)),
            ("preservation_disposal_decision", 1),
        ]
    if r.random() < 0.06:
        out.append((r.choice(("sampling_voucher", "appraisal_commission")), 1))
    if r.random() < 0.08:
        out.append(("case_extension_approval", r.randint(20, 30)))
    out.append(("investigation_report", r.randint(3, 15)))
    major = (amount or 0) >= 100000 or r.random() < 0.1
    if major or r.random() < 0.3:
        out.append(("legal_review_opinion", r.randint(1, 3)))
    if r.random() < 0.3:
        out.append(("case_notice_approval", r.randint(1, 2)))
    out.append(("penalty_notice", r.randint(1, 3)))
    hearing = (amount or 0) >= 30000
    if hearing:
        out.append(("hearing_notice", 0))
        if r.random() < 0.12:
            out += [
                ("hearing_meeting_notice", r.randint(3, 5)),
                ("hearing_record", r.randint(7, 10)),
                ("hearing_report", r.randint(1, 3)),
            ]
    if r.random() < 0.5:
        out.append(("statement_defence_record", r.randint(2, 4)))
    out.append(("case_handling_approval", r.randint(3, 7)))
    if r.random() < 0.2:
        out.append(("penalty_case_approval", 1))
    if major:
        out.append((r.choice(("collective_discussion_record", "major_case_discussion_record")), r.randint(0, 2)))
    if amount is None:
        out.append(("no_penalty_decision", r.randint(1, 5)))
    else:
        out.append(("penalty_decision_org", r.randint(1, 5)))
        if r.random() < 0.1:
            out.append(("penalty_decision_person", 0))
    out.append(("service_receipt", 0))
    if amount is not None and r.random() < 0.05:
        out += [("deferred_payment_approval", r.randint(3, 8)), ("deferred_payment_permit", r.randint(1, 3))]
    if amount is not None and r.random() < 0.1:
        out.append(("fine_reminder", r.randint(16, 30)))
        if r.random() < 0.4:
            out.append(("surcharge_decision", r.randint(5, 10)))
        if r.random() < 0.5:
            out += [("enforcement_demand", r.randint(10, 30)), ("enforcement_application", r.randint(60, 90))]
    if r.random() < 0.02:
        out += [("transfer_approval", 1), ("transfer_letter", 1)]
    if r.random() < 0.85:
        out.append(("case_closing_approval", r.randint(10, 40)))
    return out


def _plan_simple(r: random.Random) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if r.random() < 0.7:
        out.append(("inspection_record", 0))
    out.append(("onsite_penalty_decision_org", 0))
    if r.random() < 0.5:
        out.append(("service_receipt", 0))
    if r.random() < 0.4:
        out.append(("rectification_order", 0))
        if r.random() < 0.6:
            out.append(("reinspection_opinion", r.randint(10, 30)))
    return out


def _doc_number(st: _State, c: _Case, form: FormDef, date: dt.date) -> str:
    if not form.numbered or not form.code:
        return ""
    if form.source == "inherit":
        for p in form.parents:
            pf = st.world.forms[p]
            if p in c.numbers and pf.code == form.code:  # 查封扣押清单 carries its decision's number
                return c.numbers[p][0]
        if not c.chain_seq:  # the inspection chain threads one 序号 (方案 → 检记 → 责改 → 复查)
            c.chain_year = date.year
            c.chain_seq = st.next(c.org.id, date.year, "chain")
        seq, year = c.chain_seq, c.chain_year
    elif form.source == "case" and c.case_seq:
        seq, year = c.case_seq, c.case_year
    else:
        seq, year = st.next(c.org.id, date.year, form.counter), date.year
    uses = c.code_uses.get(form.code, 0) + 1
    c.code_uses[form.code] = uses
    suffix = uses if form.source == "case" and c.case_seq else 0
    return _number(c.org.area, form.code, year, seq, suffix)


def _case(st: _State, r: random.Random, case_id: int) -> Iterator[IndexDoc]:
    w = st.world
    kind = r.choices(("inspection", "general", "simple"), (40, 45, 15))[0]
    ent = st.enterprises.draw(r)
    k = r.random()
    org = ent.county if k < 0.78 else (w.orgs[ent.county.path[1] - 1] if k < 0.95 else w.orgs[0])
    staff = w.officers[org.id]
    officers = r.sample(staff[:4], 2)  # the last ones approve (审核/审批), the first four handle cases
    own = w.hazards_by_industry[ent.industry.label]
    hazards: list[Hazard] = []
    while len(hazards) < r.randint(1, 4):
        h = r.choice(own if own and r.random() < 0.6 else w.general_hazards)
        if h not in hazards:
            hazards.append(h)
    start = START + dt.timedelta(days=r.randint(0, (END - START).days - 30))
    c = _Case(
        id=case_id,
        kind="inspection" if kind == "inspection" else "penalty",
        procedure="" if kind == "inspection" else kind,
        org=org,
        ent=ent,
        officers=officers,
        creator=officers[0].username if r.random() < 0.8 else officers[1].username,
        hazards=hazards,
        start=start,
    )
    c.place = r.choice(ent.industry.places)
    if kind == "inspection":
        c.name = f"{ent.name}{start.year}年第{(start.month - 1) // 3 + 1}季度安全生产现场检查"
        plan = _plan_inspection(r)
    elif kind == "general":
        c.amount = _amount(r) if r.random() > 0.04 else None
        c.cause = hazards[0].finding.split("，")[0]
        c.name = f"{ent.name}{hazards[0].term}违法案"
        plan = _plan_general(r, c.amount)
    else:
        c.amount = _amount(r, 1000, 3000)  # 当场处罚: at most 3,000 yuan for an organisation
        c.cause = hazards[0].finding.split("，")[0]
        c.name = f"{ent.name}{hazards[0].term}违法案（简易程序）"
        plan = _plan_simple(r)

    n_att = r.choices((0, 1, 2, 3), (40, 35, 17, 8))[0]
    filed = r.random() < 0.35
    cap = 15 - n_att - (1 if filed else 0)
    while len(plan) > cap:  # cases have 3–15 records: drop optional forms first
        optional = [i for i, (f, _) in enumerate(plan) if f not in _MANDATORY]
        plan.pop(r.choice(optional) if optional else len(plan) - 1)
    spare = cap - len(plan)  # room left for superseded editions

    date = start
    industry = ent.industry.label
    handlers = tuple(o.name for o in officers)
    out: list[IndexDoc] = []
    for form_id, gap in plan:
        if date + dt.timedelta(days=gap) > END:  # the case is still open at the end of the corpus period
            filed = False
            break
        date += dt.timedelta(days=gap)
        form = w.forms[form_id]
        if form_id == "case_filing_approval":
            c.case_year = date.year
            c.case_seq = st.next(org.id, date.year, "M6")
            c.case_no = _number(org.area, "立", c.case_year, c.case_seq)
        number = _doc_number(st, c, form, date)
        decision = form_id in ("penalty_decision_org", "penalty_decision_person", "onsite_penalty_decision_org")
        party, code = ent.name, ent.credit_code
        amount = c.amount if decision else None
        if form_id == "penalty_decision_person":  # 双罚: the 主要负责人 is fined too
            party, code = ent.legal_rep, ""
            amount = max(1000.0, round((c.amount or 0) * r.uniform(0.1, 0.4), -2))
        if decision:
            c.decided = date
        # a corrected document (更正): the earlier edition stays, superseded, under the same number
        editions = 2 if r.random() < 0.02 and spare > 0 else 1
        spare -= editions - 1
        for edition in range(editions):
            d = _Doc(st, c, form, date, number, r)
            if form_id == "penalty_decision_person":
                d.amount = amount
            text = d.render(r.randint(TEXT_MIN, TEXT_MAX))
            out.append(
                IndexDoc(
                    key=st.key("document"),
                    kind="document",
                    title=f"{party}{form.name}",
                    text=text,
                    form=form_id,
                    form_name=form.name,
                    number=number,
                    credit_code=code,
                    case_no=c.case_no,
                    org_id=org.id,
                    org_path=org.path,
                    org_name=org.name,
                    case_id=case_id,
                    case_name=c.name,
                    party=party,
                    handlers=handlers,
                    creator=c.creator,
                    issued=date,
                    decided=date if decision else None,
                    status="superseded" if edition < editions - 1 else "issued",
                    procedure=c.procedure,
                    industry=industry,
                    amount=amount,
                )
            )
        if number:
            c.numbers[form_id] = (number, date)
        c.records.append((form.name, number, org.name, date, form_id))

    for _ in range(n_att):
        out.append(_attachment(st, r, c, date))
    if len(out) < 3:  # a case file is never thinner than three records
        out += [_attachment(st, r, c, date) for _ in range(3 - len(out))]
    closed = any(
        f in ("case_closing_approval", "onsite_penalty_decision_org", "reinspection_opinion") for *_, f in c.records
    )
    filed_on = date + dt.timedelta(days=r.randint(5, 40))
    if filed and closed and filed_on <= END:
        out.append(_casefile(st, r, c, date, filed_on))
    yield from out


_ATTACHMENTS = (
    ("photo", "现场照片", 55),
    ("party_identity", "当事人主体资格证明", 20),
    ("evidence", "证据材料", 15),
    ("statement", "书面陈述申辩材料", 5),
    ("payment", "缴款凭证", 5),
)
_PHOTOS = (
    "{place}现场全景",
    "{place}安全警示标识设置情况",
    "执法人员向{rep}出示执法证件",
    "{place}作业人员作业情况",
    "{place}消防器材配置情况",
    "{place}安全出口及疏散通道情况",
    "{place}设备设施运行情况",
)
_TESTS = (
    ("防雷装置", "GB 50057-2010《建筑物防雷设计规范》", "接地电阻", "Ω"),
    ("可燃气体检测报警器", "JJG 693-2011《可燃气体检测报警器检定规程》", "示值误差", "%LEL"),
    ("压力容器安全阀", "TSG ZF001-2006《安全阀安全技术监察规程》", "整定压力", "MPa"),
    ("作业场所粉尘浓度", "GBZ/T 192.1-2007《工作场所空气中粉尘测定》", "总粉尘浓度", "mg/m³"),
    ("电气设备绝缘", "GB 50150-2016《电气装置安装工程 电气设备交接试验标准》", "绝缘电阻", "MΩ"),
)


def _attachment(st: _State, r: random.Random, c: _Case, last: dt.date) -> IndexDoc:
    kind, kind_name, _ = r.choices(_ATTACHMENTS, [w for *_, w in _ATTACHMENTS])[0]
    if kind == "payment" and not c.amount:
        kind, kind_name = "photo", "现场照片"
    e = c.ent
    date = c.start + dt.timedelta(days=r.randint(0, max(0, (last - c.start).days)))
    target = r.randint(TEXT_MIN, TEXT_MAX)
    d = _Doc(st, c, st.world.forms["photo_evidence"], date, "", r)
    if kind == "photo":
        place = _place(d)
        title = f"现场照片说明（{place}）"
        lines = [
            f"{e.name}现场照片说明",
            f"拍摄地点：{e.address}{place}",
            f"拍摄人：{'、'.join(o.name for o in c.officers)}",
        ]

        def captions() -> Iterator[str]:
            hs = d.hazards()
            for i in range(1, 200):
                when = f"拍摄时间：{cn_date(date)}{r.randint(8, 16)}时{r.randint(10, 59)}分。"
                if i <= len(hs):
                    yield f"照片{i}：{_place(d)}，{hs[i - 1].finding}。{when}证明对象：{hs[i - 1].term}相关违法事实。"
                else:
                    yield f"照片{i}：{r.choice(_PHOTOS).format(place=_place(d), rep=e.legal_rep)}。{when}"
    elif kind == "party_identity":
        title = f"{e.name}营业执照（副本）复印件"
        lines = [
            "营业执照（副本）",
            f"统一社会信用代码：{e.credit_code}",
            f"名称：{e.name}",
            "类型：有限责任公司（自然人投资或控股）",
            f"法定代表人：{e.legal_rep}",
            f"注册资本：{r.choice((50, 100, 200, 500, 1000, 3000))}万元整",
            f"成立日期：{e.founded}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
            "营业期限：长期",
            f"住所：{e.address}",
            f"登记机关：{e.county.county}市场监督管理局",
            f"经营范围：{'、'.join(e.industry.products)}的生产、销售；{e.industry.sector}相关技术咨询服务。"
            "（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
            "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn",
            f"法定代表人身份证明书：兹证明{e.legal_rep}同志在我单位任{e.position}职务，系我单位法定代表人。特此证明。",
        ]

        def captions() -> Iterator[str]:
            for y in range(max(e.founded + 1, date.year - 4), date.year):
                yield (f"{y}年度报告：企业通信地址{e.address}，从业人数{e.staff}人，经营状态开业，未发现行政处罚记录。")
            yield "备注："
            yield from _narrative_iter(d)
    elif kind == "evidence":
        obj, std, item, unit = r.choice(_TESTS)
        title = f"{e.name}{obj}检测报告"
        lines = [
            f"{obj}检测报告",
            f"报告编号：JC{date.year}-{r.randint(1000, 9999)}",
            f"委托单位：{e.name}",
            f"检测地点：{e.address}",
            f"检测依据：{std}",
            f"检测日期：{cn_date(date)}",
        ]

        def captions() -> Iterator[str]:
            hs = d.hazards()
            for i in range(1, 200):
                bad = hs[i - 1].finding if i <= len(hs) and r.random() < 0.5 else ""
                yield (
                    f"{i}. {_place(d)}检测点{i}：{item}{r.uniform(0.5, 30):.1f}{unit}，"
                    f"{'不符合要求，' + bad if bad else '符合要求'}。"
                )
    elif kind == "statement":
        title = f"{e.name}书面陈述申辩材料"
        lines = [f"关于{c.name}的陈述申辩", f"{c.org.name}："]

        def captions() -> Iterator[str]:
            yield from _statement(d, 2000).split("。")
    else:
        title = f"{e.name}罚款缴款凭证"
        lines = [
            "山西省非税收入一般缴款书",
            f"执收单位：{c.org.name}",
            f"缴款人：{e.name}",
            f"金额：{c.amount:.2f}元（{money_upper(c.amount or 0)}）",
            f"收款银行：{c.org.bank}",
            f"账号：{c.org.account}",
            f"缴款日期：{cn_date(date)}",
        ]

        def captions() -> Iterator[str]:
            yield from (f"处罚事由：{s}" for s in _narrative_iter(d))

    head = "\n".join(lines) + "\n"
    text = head + _grow(captions(), target - len(head))
    return IndexDoc(
        key=st.key("attachment"),
        kind="attachment",
        title=title,
        text=text[:TEXT_MAX],
        form="",
        form_name=kind_name,
        credit_code=e.credit_code,
        case_no=c.case_no,
        org_id=c.org.id,
        org_path=c.org.path,
        org_name=c.org.name,
        case_id=c.id,
        case_name=c.name,
        party=e.name,
        handlers=tuple(o.name for o in c.officers),
        creator=c.creator,
        issued=date,
        status="issued",
        procedure=c.procedure,
        industry=e.industry.label,
    )


def _casefile(st: _State, r: random.Random, c: _Case, closed: dt.date, filed: dt.date) -> IndexDoc:
    """A 卷宗: cover, 卷内目录 (its documents with their numbers) and 备考表. 档号 follows
    archive/casefile/order.yaml: 全宗号-门类代码·年度-保管期限代码-件号."""
    e = c.ent
    retention = "永久" if c.procedure == "general" else "30年"
    code = "Y" if retention == "永久" else "D30"
    archive_seq = st.next(c.org.id, closed.year, "archive")
    file_no = f"Z{c.org.id:03d}-ZF·{closed.year}-{code}-{archive_seq:04d}"
    if c.kind == "penalty":
        title = f"关于{e.name}{c.cause}一案 卷宗"
        heading = "安全生产行政处罚案卷"
    else:
        title = f"关于{e.name}安全生产现场检查 卷宗"
        heading = "安全生产行政执法检查案卷"
    pages, rows = 1, []
    for i, (name, number, resp, date, _) in enumerate(c.records, 1):
        n = r.randint(1, 4)
        rows.append(
            f"{i}　{name}{'（' + number + '）' if number else ''}　{resp}　{cn_date(date)}　{pages}-{pages + n - 1}"
        )
        pages += n
    lines = [
        c.org.name,
        heading,
        f"案件名称：{c.name}",
        f"案号：{c.case_no}" if c.case_no else "",
        f"当事人：{e.name}",
        f"统一社会信用代码：{e.credit_code}",
        f"案由：{c.cause or '安全生产现场检查'}",
        f"处理结果：{'罚款' + money_upper(c.amount) if c.amount else '责令限期整改，复查合格'}",
        f"{'立案' if c.case_no else '检查'}日期：{cn_date(c.start)}　结案日期：{cn_date(closed)}",
        f"承办人：{c.officers[0].name}、{c.officers[1].name}",
        f"归档日期：{cn_date(filed)}",
        f"档号：{file_no}",
        f"保管期限：{retention}",
        f"本卷共{len(rows)}件{pages - 1}页",
        "卷内目录",
        "序号　文件名称及编号　责任者　日期　页号",
        *rows,
        "备考表",
        f"本案卷共有文件材料{len(rows)}件，共{pages - 1}页，其中文字材料{pages - 1}页，照片{r.randint(0, 12)}张。",
        f"立卷人：{c.officers[0].name}　检查人：{st.world.officers[c.org.id][-1].name}　立卷时间：{cn_date(filed)}",
    ]
    head = "\n".join(x for x in lines if x) + "\n"
    d = _Doc(st, c, st.world.forms["case_cover"], filed, "", r)
    text = head + "案件摘要：" + _narrative(d, r.randint(TEXT_MIN, TEXT_MAX) - len(head))
    return IndexDoc(
        key=st.key("casefile"),
        kind="casefile",
        title=title,
        text=text[: max(TEXT_MAX, len(head))],
        form_name="案卷",
        credit_code=e.credit_code,
        case_no=c.case_no,
        file_no=file_no,
        org_id=c.org.id,
        org_path=c.org.path,
        org_name=c.org.name,
        case_id=c.id,
        case_name=c.name,
        party=e.name,
        handlers=tuple(o.name for o in c.officers),
        creator=c.creator,
        filed=filed,
        status="filed",
        procedure=c.procedure,
        industry=e.industry.label,
    )


def generate(n: int, seed: int = 7) -> Iterator[IndexDoc]:
    """``n`` records (documents ≈ 87 %, attachments ≈ 10 %, case files ≈ 3 %), case after case."""
    world = _world(seed)
    st = _State(world, seed, n)
    r = random.Random(seed)
    produced, case_id = 0, 0
    while produced < n:
        case_id += 1
        for doc in _case(st, r, case_id):
            yield doc
            produced += 1
            if produced >= n:
                return


# ── benchmark queries drawn from generated records ────────────────────────────────────────────

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{3,}")


def _trade_of(party: str) -> str:
    """The 字号 of a generated enterprise name (the two characters before its industry word)."""
    for word in sorted({w for i in INDUSTRIES for w in i.words}, key=len, reverse=True):
        at = party.find(word)
        if at >= 2:
            return party[at - 2 : at]
    return ""


def _rewrite_number(number: str, r: random.Random) -> str:
    """A 文号 as people type it: half-width brackets for the year and/or the area."""
    k = r.random()
    if k < 0.4:
        return number.replace("〔", "[").replace("〕", "]")
    if k < 0.7:
        return number.replace("（", "(").replace("）", ")")
    return number.replace("〔", "[").replace("〕", "]").replace("（", "(").replace("）", ")")


def queries(docs_sample: Sequence[IndexDoc], seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Benchmark queries by type, each list ≥ 50 entries, every one hitting ``docs_sample``.

    Each entry is ``{"q": …}`` plus optional filters named as :class:`SearchRequest` fields.
    """
    import logging

    import jieba  # only here: phrases are chosen on and across jieba's word boundaries

    jieba.setLogLevel(logging.WARNING)
    r = random.Random(seed)
    docs = [d for d in docs_sample if d.text]
    texts = [d.title + "\n" + d.text for d in docs]
    blob = "\n".join(texts)
    hazards = [h.term for h in HAZARDS if h.term in blob]
    words = sorted({w for i in INDUSTRIES for w in i.words if w in blob})
    trades = sorted({t for d in docs if (t := _trade_of(d.party)) and t in blob})
    officers = sorted({h for d in docs for h in d.handlers})
    out: dict[str, list[dict[str, Any]]] = {}

    one = r.sample(hazards, min(22, len(hazards))) + r.sample(words, min(10, len(words)))
    one += r.sample(trades, min(12, len(trades))) + r.sample(officers, min(10, len(officers)))
    one += list(COMMON_WORDS)
    r.shuffle(one)
    out["one_term"] = [{"q": t} for t in one]

    vocab = hazards + words + list(COMMON_WORDS)
    two: list[dict[str, Any]] = []
    while len(two) < 60:
        i = r.randrange(len(docs))
        t = texts[i]
        present = [v for v in r.sample(vocab, len(vocab)) if v in t]
        extra = [x for x in (_trade_of(docs[i].party), *docs[i].handlers) if x and x in t]
        pool = present[:6] + extra
        if len(pool) >= 2:
            a, b = r.sample(pool, 2)
            if a not in b and b not in a and all(x["q"] != f"{a} {b}" for x in two):
                two.append({"q": f"{a} {b}"})
    out["two_term"] = two

    phrases: list[dict[str, Any]] = []
    while len(phrases) < 45:
        t = texts[r.randrange(len(texts))]
        runs = _CJK_RUN.findall(t)
        if not runs:
            continue
        run = r.choice(runs)
        cuts, pos = [0], 0
        for w in jieba.lcut(run):
            pos += len(w)
            cuts.append(pos)
        if len(phrases) % 2:  # starts inside a jieba word: the phrase cuts across word boundaries
            spans = [(a, a + n) for n in range(3, 9) for a in range(len(run) - n + 1) if a not in cuts]
        else:  # starts and ends on jieba word boundaries (of the run cut on its own)
            spans = [(a, b) for a in cuts for b in cuts if 3 <= b - a <= 8]
        if not spans:
            continue
        at, end = r.choice(spans)
        q = f'"{run[at:end]}"'
        if all(x["q"] != q for x in phrases):
            phrases.append({"q": q})
    parties = sorted({d.party for d in docs if len(d.party) >= 10})
    phrases += [{"q": f'"{p}"'} for p in r.sample(parties, min(15, len(parties)))]
    out["phrase"] = phrases

    numbered = [d for d in docs if d.number]
    numbers = [d.number for d in r.sample(numbered, min(24, len(numbered)))]
    numbers = [(_rewrite_number(x, r) if i % 2 else x) for i, x in enumerate(numbers)]
    codes = sorted({d.credit_code for d in docs if d.credit_code})
    case_nos = sorted({d.case_no for d in docs if d.case_no})
    file_nos = sorted({d.file_no for d in docs if d.file_no})
    numbers += r.sample(codes, min(14, len(codes))) + r.sample(case_nos, min(14, len(case_nos)))
    numbers += r.sample(file_nos, min(6, len(file_nos)))
    out["number"] = [{"q": x} for x in numbers]

    filters: list[dict[str, Any]] = []
    decisions = [d for d in docs if d.amount and d.form]
    dated = [d for d in docs if d.issued and len(d.org_path) >= 2]
    while len(filters) < 60:
        if len(filters) % 3 == 2 and decisions:
            d = r.choice(decisions)
            terms = [v for v in vocab if v in d.text]
            if not terms:
                continue
            low = float(int(d.amount * r.uniform(0.3, 1.0) / 1000) * 1000)  # type: ignore[operator]
            filters.append({"q": r.choice(terms), "forms": (d.form,), "amount_min": low})
        else:
            d = r.choice(dated)
            terms = [v for v in vocab if v in d.text]
            if not terms or d.issued is None:
                continue
            city = d.org_path[-2]  # a county's path is (county, city, province); a city's (city, province)
            span = r.choice((31, 92, 365))
            lo = d.issued - dt.timedelta(days=r.randint(0, span))
            filters.append(
                {
                    "q": r.choice(terms),
                    "org_subtree": city,
                    "issued_from": lo,
                    "issued_to": lo + dt.timedelta(days=span),
                }
            )
    out["filter"] = filters
    return out


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _world(args.seed)  # templates and clauses are read once; not part of the rate
    t0 = time.perf_counter()
    docs = list(generate(args.n, args.seed))
    elapsed = time.perf_counter() - t0
    for d in (docs[0], next(x for x in docs if x.kind == "attachment"), next(x for x in docs if x.kind == "casefile")):
        print("─" * 100)
        for k in IndexDoc.__slots__:  # type: ignore[attr-defined]
            v = getattr(d, k)
            print(f"{k:12} {v[:400] + '…' if isinstance(v, str) and len(v) > 400 else v}")
    print("─" * 100)
    kinds = {k: sum(d.kind == k for d in docs) for k in ("document", "attachment", "casefile")}
    lengths = sorted(len(d.text) for d in docs)
    print(f"{len(docs)} records in {elapsed:.2f} s = {len(docs) / elapsed:,.0f} records/s; kinds {kinds}")
    print(
        f"text length min/median/max {lengths[0]}/{lengths[len(lengths) // 2]}/{lengths[-1]}; "
        f"{sum(1200 <= x <= 1800 for x in lengths) / len(lengths):.1%} within 1200–1800"
    )
    parties = {d.party for d in docs}
    cases = {d.case_id for d in docs}
    print(f"{len(cases)} cases, {len(parties)} distinct parties, {len({d.number for d in docs if d.number})} numbers")


if __name__ == "__main__":
    _main()
