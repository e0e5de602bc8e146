"""Demo knowledge-base articles, one or more in each of the seven categories."""
from sqlalchemy.ext.asyncio import AsyncSession

from models.knowledge import KnowledgeArticle
from models.knowledge import KnowledgeCategory as C

ARTICLES = [
    (C.PRODUCT, "中华（硬）产品介绍", "中华（硬）为烤烟型卷烟，焦油量11毫克，每条十盒。批发价每条450元，"
     "零售指导价每条500元。", "中华 价格 焦油"),
    (C.PRODUCT, "新品上市：南京（炫赫门）", "细支卷烟，本月起在北京、上海分公司供货，每户首次限订5条。",
     "新品 细支 限量"),
    (C.BRAND, "玉溪品牌故事", "玉溪品牌创立于1949年，主打醇和口味，是云南中烟的核心品牌之一。", "玉溪 云南"),
    (C.MARKETING, "本季度促销政策", "订货满50条的A类零售户可获赠陈列架一个；促销期内价格不变。",
     "促销 陈列 A类"),
    (C.LOGISTICS, "送货时间与到货查询", "订单提交后次日送达；偏远地区两日内送达。到货时间可在自助语音中"
     "查询，也可致电热线由座席查询物流状态。", "送货 到货 物流"),
    (C.LOGISTICS, "退货流程", "零售户收到破损或错发的货物，请在三日内致电热线登记退货，物流部上门取回并"
     "重新配送。", "退货 破损 错发"),
    (C.SYSTEM_OPERATION, "网上订货系统登录问题", "忘记密码时，请在登录页点击“忘记密码”，输入磁卡号"
     "和手机号重置。连续五次输错密码账户会锁定十五分钟。", "密码 登录 锁定"),
    (C.SYSTEM_OPERATION, "座席工作台使用说明", "来电时屏幕弹出零售户资料、近期订单和未结意见；话后"
     "请选择处理结果并结束整理。", "工作台 弹屏 整理"),
    (C.BUSINESS, "订货上下限规定", "每个零售户每种卷烟单次订货量有上下限，按零售户等级核定：A类50条，"
     "B类30条，C类20条。超出上限的订单不予受理。", "上下限 订货量 等级"),
    (C.BUSINESS, "零售户等级评定", "零售户等级按月度订货量、诚信经营和陈列情况综合评定，每季度调整一次。",
     "等级 评定"),
    (C.FAQ, "断货了怎么办？", "某品规断货时，系统会提示“未在货源中”。可建议零售户改订同价位品规，或"
     "登记到货提醒，到货后外呼通知。", "断货 货源 到货提醒"),
    (C.FAQ, "如何修改查询密码？", "拨打热线，选择自助查询，验证磁卡号和原密码后按提示修改；忘记原密码请"
     "转人工服务。", "密码 自助查询"),
]


async def seed_knowledge(session: AsyncSession) -> None:
    session.add_all(KnowledgeArticle(category=category, title=title, body=body, tags=tags,
                                     updated_by="demo-seed")
                    for category, title, body, tags in ARTICLES)
