"""Demo data: a headquarters, two branches, business types, skills, agents and retailers."""
from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ivr.hours import is_open
from models import (
    Agent,
    AgentSkill,
    Branch,
    BusinessHours,
    BusinessType,
    Holiday,
    Order,
    Retailer,
    RetailerPhone,
    Role,
    Skill,
    User,
    utcnow,
)
from models.catalogue import OrderLimit, Product, ProductSupply
from models.orders import OrderStatus
from models.security import hash_pin, new_sip_secret
from services.demo_knowledge import seed_knowledge

DEMO_PIN = "1234"
DEMO_PASSWORD = "hotline-demo"  # users: the agents' numbers, supervisor, ops, admin
# The branches answer 07:00-23:00 every day (their own time); headquarters around the clock.
BRANCH_HOURS = (time(7, 0), time(23, 0))
# card -> (days ago, amount, status) of recent orders, heard in self-service
ORDERS = {
    "110100001": [(2, "1280.00", OrderStatus.DELIVERED), (9, "860.50", OrderStatus.DELIVERED),
                  (1, "455.00", OrderStatus.ACCEPTED)],
    "310100001": [(3, "2310.00", OrderStatus.SUBMITTED)],
}

BRANCHES = [("HQ", "总部 Headquarters", True), ("BJ", "北京分公司 Beijing", False),
            ("SH", "上海分公司 Shanghai", False)]
BUSINESS_TYPES = [
    ("order", "电话订货", "Order", "1"), ("complaint", "投诉建议", "Complaint or suggestion", "2"),
    ("consultation", "业务咨询", "Consultation", "3"), ("logistics", "物流配送", "Logistics", "4"),
    ("self_service", "自助查询", "Self-service", "5"), ("operator", "人工服务", "Operator", "0"),
]
# number, name, branch, {business type: level}
SUPERVISOR_PHONE = "supervisor-1"  # the demo supervisor's softphone (PJSIP endpoint)
AGENTS = [
    ("8001", "张伟", "BJ", {"order": 8, "complaint": 5}),
    ("8002", "李娜", "BJ", {"complaint": 9, "consultation": 6}),
    ("8003", "王芳", "SH", {"order": 7, "logistics": 6}),
    ("8004", "刘洋", "SH", {"order": 5, "complaint": 5, "consultation": 5}),
    ("8005", "陈静", "HQ", {code: 5 for code, *_ in BUSINESS_TYPES}),
]
# code, name, unit price per carton (条); not on supply in these branches
PRODUCTS = [
    ("6901028001", "中华（硬）", "450.00", ()), ("6901028075", "玉溪（软）", "230.00", ()),
    ("6901028180", "云烟（紫）", "110.00", ()), ("6901028300", "黄鹤楼（软蓝）", "190.00", ()),
    ("6901028412", "利群（新版）", "150.00", ("BJ",)), ("6901028555", "南京（炫赫门）", "180.00", ()),
]
# the most of one product a retailer of this class may order at once
CLASS_LIMITS = {"A": 50, "B": 30, "C": 20, "D": 10, "E": 5}
# card number, name, branch, class, phones
RETAILERS = [
    ("110100001", "朝阳便利店", "BJ", "A", ["13800010001"]),
    ("110100002", "海淀烟酒行", "BJ", "B", ["13800010002", "01062000002"]),
    ("110100003", "东城小卖部", "BJ", "C", ["13800010003"]),
    ("310100001", "浦东超市", "SH", "A", ["13900020001"]),
    ("310100002", "徐汇烟杂店", "SH", "B", ["13900020002"]),
    ("990000001", "待分配零售户", None, "E", ["13700030001"]),
]


async def seed(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Insert the demo data once; False when it is already there."""
    async with sessions() as session, session.begin():
        session.info["actor"] = "demo-seed"
        if await session.scalar(select(Branch).where(Branch.code == "HQ")):
            return False
        branches = {code: Branch(code=code, name=name, is_headquarters=hq)
                    for code, name, hq in BRANCHES}
        session.add_all(branches.values())
        skills = {}
        for order, (code, zh, en, key) in enumerate(BUSINESS_TYPES):
            bt = BusinessType(code=code, name_zh=zh, name_en=en, menu_key=key, sort_order=order)
            skills[code] = Skill(code=f"{code}-zh", name=f"{zh}（普通话）", business_type=bt,
                                 language="zh")
            session.add_all([bt, skills[code]])
        pin, password = hash_pin(DEMO_PIN), hash_pin(DEMO_PASSWORD)
        for number, name, branch, levels in AGENTS:
            agent = Agent(number=number, name=name, branch=branches[branch],
                          sip_endpoint=f"agent-{number}", pin_hash=pin,
                          sip_secret=new_sip_secret())
            agent.skills = [AgentSkill(skill=skills[c], level=lvl) for c, lvl in levels.items()]
            session.add_all([agent, User(username=number, password_hash=password,
                                         role=Role.AGENT, branch=branches[branch],
                                         agent=agent)])
        session.add_all(User(username=role.value, password_hash=password, role=role,
                             sip_endpoint=SUPERVISOR_PHONE if role == Role.SUPERVISOR else None,
                             sip_secret=new_sip_secret() if role == Role.SUPERVISOR else None)
                        for role in (Role.SUPERVISOR, Role.OPS, Role.ADMIN))
        retailers = {card: Retailer(card_number=card, name=name, retailer_class=klass,
                                    pin_hash=pin, branch=branches[branch] if branch else None,
                                    phones=[RetailerPhone(number=p) for p in phones])
                     for card, name, branch, klass, phones in RETAILERS}
        session.add_all(retailers.values())
        await session.flush()
        for code in ("BJ", "SH"):
            session.add_all(BusinessHours(branch_id=branches[code].id, weekday=day,
                                          opens=BRANCH_HOURS[0], closes=BRANCH_HOURS[1])
                            for day in range(7))
        await _seed_catalogue(session, branches, retailers)
        await seed_knowledge(session)
        now = utcnow()
        for card, orders in ORDERS.items():
            session.add_all(Order(retailer_id=retailers[card].id,
                                  created_at=now - timedelta(days=ago), amount=Decimal(amount),
                                  status=status) for ago, amount, status in orders)
    return True


async def _seed_catalogue(session: AsyncSession, branches: dict[str, Branch],
                          retailers: dict[str, Retailer]) -> None:
    products = [Product(code=code, name=name, unit_price=Decimal(price))
                for code, name, price, _ in PRODUCTS]
    session.add_all(products)
    await session.flush()
    for product, (*_, short_in) in zip(products, PRODUCTS):
        session.add_all(ProductSupply(product_id=product.id, branch_id=branch.id,
                                      on_supply=code not in short_in)
                        for code, branch in branches.items())
        session.add_all(OrderLimit(retailer_id=r.id, product_id=product.id, min_quantity=1,
                                   max_quantity=CLASS_LIMITS[r.retailer_class])
                        for r in retailers.values())


async def opening_now(sessions: async_sessionmaker[AsyncSession],
                      around_the_clock: bool = False) -> list[str]:
    """A line per branch: open or closed now, at its own clock, and why (its hours today)."""
    now = utcnow()
    async with sessions() as s:
        branches = list(await s.scalars(select(Branch).order_by(Branch.code)))
        hours = list(await s.scalars(select(BusinessHours)))
        holidays = list(await s.scalars(select(Holiday)))
    lines = []
    for b in branches:
        local = now.astimezone(ZoneInfo(b.timezone))
        mine = [(h.weekday, h.opens, h.closes) for h in hours if h.branch_id == b.id]
        off = [h.day for h in holidays if h.branch_id in (b.id, None)]
        today = ", ".join(f"{o:%H:%M}-{c:%H:%M}" for d, o, c in sorted(mine)
                          if d == local.weekday()) or ("around the clock" if not mine else "closed")
        state = ("open (all hours, demo)" if around_the_clock
                 else "open" if is_open(now, b.timezone, mine, off) else "closed")
        lines.append(f"{b.code:<4} {state:<22} {local:%H:%M} {b.timezone}; today {today}"
                     + (" (holiday)" if local.date() in off else ""))
    return lines


async def sip_accounts(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    """The active agents' and supervisors' phone accounts: (user, password), for setting up a
    softphone."""
    async with sessions() as s:
        agents = await s.execute(select(Agent.sip_endpoint, Agent.sip_secret)
                                 .where(Agent.active).order_by(Agent.number))
        supervisors = await s.execute(select(User.sip_endpoint, User.sip_secret).where(
            User.active, User.sip_endpoint.is_not(None)).order_by(User.sip_endpoint))
        return [(name, secret or "(none)") for name, secret in [*agents, *supervisors]]
