"""Generate the blind held-out import cases and their ground truth.

Deterministic: every random draw comes from random.Random seeded with the case
id (string seeds are hashed with sha512, not affected by PYTHONHASHSEED), and
XLSX files are re-zipped with fixed timestamps.

Run:  /work/main/.venv/bin/python evals/data/tuning/imports/make_cases.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
FIXED_TS = dt.datetime(2026, 9, 1, 9, 0, 0)

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def monday_of(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def iso_monday(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def D(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def num(x: Decimal):
    """Decimal -> int when integral, else float (for JSON)."""
    x = D(x)
    if x == x.to_integral_value():
        return int(x)
    return float(x)


def thou(n) -> str:
    """Thousands separators: 12345 -> '12,345', 12345.5 -> '12,345.5'."""
    n = D(n)
    if n == n.to_integral_value():
        return f"{int(n):,}"
    s = f"{n:,f}".rstrip("0").rstrip(".")
    return s


def plain(n) -> str:
    n = D(n)
    if n == n.to_integral_value():
        return str(int(n))
    return format(n.normalize(), "f")


def wan(n) -> str:
    """Base value -> '3.25万' (exact)."""
    return plain(D(n) / 10000) + "万"


def yi(n) -> str:
    return plain(D(n) / 100000000) + "亿"


def pct(a, b) -> str:
    if not b:
        return ""
    return f"{(Decimal(a) / Decimal(b) * 100):.2f}%"


def ratio(a, b, places=2) -> str:
    if not b:
        return ""
    q = Decimal(1).scaleb(-places)
    return str((Decimal(a) / Decimal(b)).quantize(q))


def write_csv(name: str, header, rows, encoding: str):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if c is None else c for c in r])
    data = buf.getvalue().encode(encoding)
    (HERE / name).write_bytes(data)


def write_xlsx(name: str, sheets):
    """sheets: list of (title, header, rows, date_format or None)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, header, rows, datefmt in sheets:
        ws = wb.create_sheet(title)
        if header is not None:
            ws.append(list(header))
        for r in rows:
            ws.append([None if c == "" else c for c in r])
        if datefmt:
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, (dt.date, dt.datetime)):
                        cell.number_format = datefmt
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = 14
    wb.properties.creator = "planner"
    wb.properties.created = FIXED_TS
    wb.properties.modified = FIXED_TS
    path = HERE / name
    wb.save(path)
    # re-zip with fixed timestamps and a fixed core.xml so bytes are stable
    src = zipfile.ZipFile(path)
    items = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    src.close()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for fname, data in items:
            if fname == "docProps/core.xml":
                txt = data.decode("utf-8")
                txt = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    r"\g<1>2026-09-01T09:00:00Z\g<3>",
                    txt,
                )
                data = txt.encode("utf-8")
            zi = zipfile.ZipInfo(fname, date_time=(2026, 9, 1, 9, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    path.write_bytes(out.getvalue())


class Facts:
    def __init__(self):
        self.items = {}

    def add(self, monday: dt.date, region: str, channel: str, metric: str, value):
        key = (monday, region, channel, metric)
        assert key not in self.items, f"generator produced duplicate {key}"
        v = D(value)
        assert v >= 0
        self.items[key] = v

    def truth(self):
        totals = {}
        for (_, _, _, m), v in self.items.items():
            totals[m] = totals.get(m, Decimal(0)) + v
        return {
            "count": len(self.items),
            "totals": {m: num(v) for m, v in sorted(totals.items())},
            "dates": sorted({k[0].isoformat() for k in self.items}),
        }


class Targets:
    def __init__(self):
        self.rows = []
        self.keys = set()

    def add(self, period: str, metric: str, target, region="", channel=""):
        key = (period, metric, region, channel)
        assert key not in self.keys, key
        self.keys.add(key)
        self.rows.append(
            {"period": period, "metric": metric, "region": region, "channel": channel, "target": num(target)}
        )

    def truth(self):
        return {"count": len(self.rows), "rows": self.rows}


def funnel(
    rng: random.Random,
    spend_lo=50,
    spend_hi=800,
    cpm_lo=20,
    cpm_hi=60,
    ctr_lo=0.8,
    ctr_hi=3.5,
    cvr_lo=1.0,
    cvr_hi=6.0,
    aov_lo=80,
    aov_hi=300,
):
    """Plausible weekly figures, spend a multiple of 100 元."""
    spend = rng.randint(spend_lo, spend_hi) * 100
    impressions = int(spend / rng.uniform(cpm_lo, cpm_hi) * 1000)
    clicks = int(impressions * rng.uniform(ctr_lo, ctr_hi) / 100)
    conversions = max(1, int(clicks * rng.uniform(cvr_lo, cvr_hi) / 100))
    revenue = conversions * rng.randint(aov_lo, aov_hi)
    return dict(spend=spend, impressions=impressions, clicks=clicks, conversions=conversions, revenue=revenue)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# --------------------------------------------------------------------------
# cases that must import
# --------------------------------------------------------------------------


@case
def o01():
    """Beverage brand, long CSV, English headers and metric keys, company totals."""
    rng = random.Random("o01")
    f = Facts()
    rows = []
    for wk in (37, 38):
        mon = iso_monday(2026, wk)
        sums = {"spend": 0, "revenue": 0, "east_spend": 0}
        for region in ("华东", "华南"):
            for channel in ("抖音", "天猫"):
                fu = funnel(rng, 200, 900)
                sums["spend"] += fu["spend"]
                sums["revenue"] += fu["revenue"]
                if region == "华东":
                    sums["east_spend"] += fu["spend"]
                for m in ("spend", "impressions", "clicks", "revenue"):
                    rows.append([mon.isoformat(), region, channel, m, fu[m]])
                    f.add(mon, region, channel, m, fu[m])
        # region total for 华东 (channel blank, incl. 线下/其他渠道) and company total (both blank)
        v = sums["east_spend"] + rng.randint(50, 300) * 100
        rows.append([mon.isoformat(), "华东", "", "spend", v])
        f.add(mon, "华东", "", "spend", v)
        for m, v in (
            ("spend", sums["spend"] + rng.randint(200, 900) * 100),
            ("revenue", sums["revenue"] + rng.randint(50, 200) * 1000),
        ):
            rows.append([mon.isoformat(), "", "", m, v])
            f.add(mon, "", "", m, v)
    name = "o01_beverage_long_en.csv"
    write_csv(name, ["date", "region", "channel", "metric", "value"], rows, "utf-8")
    return dict(
        id="o01_beverage_long_en",
        file=name,
        expect="ok",
        why="饮料品牌策划把抖音/天猫周数据按长表导出（英文表头、英文指标键），含华东区域合计和全公司合计行",
        facts=f.truth(),
    )


@case
def o02():
    """Cosmetics, wide UTF-8-BOM CSV, ¥ / 元 / 万 cells, CTR ignored, blanks, 备注."""
    rng = random.Random("o02")
    f = Facts()
    header = ["日期", "区域", "渠道", "花费", "曝光", "点击", "点击率", "订单数", "销售额", "备注"]
    rows = []
    i = 0
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for region in ("华北", "华东", "西南"):
            for channel in ("小红书", "抖音"):
                i += 1
                fu = funnel(rng, 80, 600)
                fu["revenue"] = max(1, round(fu["conversions"] * rng.randint(90, 260) / 100)) * 100
                spend_cell = f"¥{thou(fu['spend'])}" if i % 2 else f"{thou(fu['spend'])}元"
                rev_cell = wan(fu["revenue"]) if i % 3 == 0 else thou(fu["revenue"])
                imp_cell = thou(fu["impressions"])
                clk_cell = str(fu["clicks"])
                conv_cell = str(fu["conversions"])
                note = ""
                if i == 3:
                    conv_cell = ""  # 小红书 orders not tracked this week
                    note = "小红书订单未回传"
                if i == 9:
                    imp_cell = ""
                    note = "曝光数据待平台补"
                if i == 11:
                    note = "含达人合作费"
                rows.append(
                    [
                        f"{d.year}/{d.month}/{d.day}",
                        region,
                        channel,
                        spend_cell,
                        imp_cell,
                        clk_cell,
                        pct(fu["clicks"], fu["impressions"]),
                        conv_cell,
                        rev_cell,
                        note,
                    ]
                )
                f.add(d, region, channel, "spend", fu["spend"])
                if imp_cell:
                    f.add(d, region, channel, "impressions", fu["impressions"])
                f.add(d, region, channel, "clicks", fu["clicks"])
                if conv_cell:
                    f.add(d, region, channel, "conversions", fu["conversions"])
                f.add(d, region, channel, "revenue", fu["revenue"])
    name = "o02_cosmetics_wide_bom.csv"
    write_csv(name, header, rows, "utf-8-sig")
    return dict(
        id="o02_cosmetics_wide_bom",
        file=name,
        expect="ok",
        why="美妆品牌小红书/抖音投放周报，Excel 另存为 UTF-8(BOM) CSV，花费带¥/元、销售额部分写成万、点击率列（不导入）、两个空格和备注",
        facts=f.truth(),
    )


@case
def o03():
    """Education, GBK CSV, 2026年第37周 labels, 投放费用（万元） header unit, blanks."""
    rng = random.Random("o03")
    f = Facts()
    header = ["周次", "区域", "渠道", "投放费用（万元）", "展现", "点击", "线索", "备注"]
    rows = []
    i = 0
    for wk in (37, 38, 39):
        mon = iso_monday(2026, wk)
        for region in ("北京", "上海"):
            for channel in ("百度搜索", "微信朋友圈"):
                i += 1
                spend = rng.randint(150, 900) * 100  # 1.5万..9万, two decimals in 万
                imp = rng.randint(80000, 600000)
                clk = int(imp * rng.uniform(0.01, 0.04))
                leads = int(clk * rng.uniform(0.03, 0.09))
                leads_cell = str(leads)
                note = ""
                if i in (3, 10):
                    leads_cell = ""
                    note = "线索系统对接中"
                rows.append(
                    [
                        f"2026年第{wk}周",
                        region,
                        channel,
                        plain(D(spend) / 10000),
                        thou(imp),
                        thou(clk),
                        leads_cell,
                        note,
                    ]
                )
                f.add(mon, region, channel, "spend", spend)
                f.add(mon, region, channel, "impressions", imp)
                f.add(mon, region, channel, "clicks", clk)
                if leads_cell:
                    f.add(mon, region, channel, "leads", leads)
    name = "o03_education_weeklabel_gbk.csv"
    write_csv(name, header, rows, "gbk")
    return dict(
        id="o03_education_weeklabel_gbk",
        file=name,
        expect="ok",
        why="K12 在线教育市场部用 Excel（GBK）记录百度/朋友圈获客周报，周次写成“2026年第37周”，费用单位万元，两周线索空着",
        facts=f.truth(),
    )


@case
def o04():
    """Auto, XLSX 3 sheets: Sunday-dated facts, long targets, notes."""
    rng = random.Random("o04")
    f = Facts()
    t = Targets()
    header = ["日期", "区域", "渠道", "消耗（万元）", "曝光", "点击", "线索", "成交单数"]
    rows = []
    for sunday in (dt.date(2026, 9, 13), dt.date(2026, 9, 20)):
        mon = monday_of(sunday)
        for region in ("华东大区", "华南大区", "华北大区"):
            for channel in ("汽车之家", "懂车帝"):
                spend = rng.randint(80, 400) * 1000  # 8万..40万, one decimal in 万
                imp = rng.randint(300000, 2000000)
                clk = int(imp * rng.uniform(0.005, 0.02))
                leads = int(clk * rng.uniform(0.02, 0.06))
                deals = int(leads * rng.uniform(0.02, 0.08))
                rows.append(
                    [
                        dt.datetime(sunday.year, sunday.month, sunday.day),
                        region,
                        channel,
                        float(D(spend) / 10000),
                        imp,
                        clk,
                        leads,
                        deals,
                    ]
                )
                for m, v in (
                    ("spend", spend),
                    ("impressions", imp),
                    ("clicks", clk),
                    ("leads", leads),
                    ("conversions", deals),
                ):
                    f.add(mon, region, channel, m, v)
    theader = ["period", "metric", "target", "region", "channel"]
    trows = [
        ["2026-Q3", "线索", 12000, "", ""],
        ["2026-Q3", "成交单数", 600, "", ""],
        ["2026-Q3", "获客成本", 850, "", ""],
        ["2026-09", "线索", 1500, "华东大区", "汽车之家"],
        ["2026-09", "线索", 1200, "华南大区", "懂车帝"],
    ]
    t.add("2026-Q3", "leads", 12000)
    t.add("2026-Q3", "conversions", 600)
    t.add("2026-Q3", "cac", 850)
    t.add("2026-09", "leads", 1500, "华东大区", "汽车之家")
    t.add("2026-09", "leads", 1200, "华南大区", "懂车帝")
    notes = [
        ["口径说明"],
        ["1. 周报日期为每周日（周结束日）。"],
        ["2. 消耗单位为万元，含税。"],
        ["3. 线索以 CRM 去重后为准。"],
        ["更新人：市场部 王工"],
    ]
    name = "o04_auto_3sheets_sunday.xlsx"
    write_xlsx(
        name,
        [("周报", header, rows, "yyyy/m/d"), ("目标", theader, trows, None), ("说明", None, notes, None)],
    )
    return dict(
        id="o04_auto_3sheets_sunday",
        file=name,
        expect="ok",
        why="车企大区市场部的周报工作簿：周报页按周日（周结束日）记日期、消耗万元；目标页是长表季度/月度线索与获客成本目标；说明页应忽略",
        facts=f.truth(),
        targets=t.truth(),
    )


@case
def o05():
    """Pet food DTC, XLSX 2 sheets long; Chinese metric names; % / 万 / ¥ targets."""
    rng = random.Random("o05")
    f = Facts()
    t = Targets()
    rows = []
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for channel in ("天猫", "京东", "抖音"):
            spend = rng.randint(200, 800) * 100
            buyers = rng.randint(800, 3000)
            rep = int(buyers * rng.uniform(0.3, 0.6))
            rev = buyers * rng.randint(120, 260)
            for mname, key, v in (
                ("花费", "spend", spend),
                ("销售额", "revenue", rev),
                ("购买人数", "buyers", buyers),
                ("复购人数", "repeat_buyers", rep),
            ):
                rows.append([f"{d.year}/{d.month}/{d.day}", "", channel, mname, v])
                f.add(d, "", channel, key, v)
    trows = [
        ["2026-Q3", "复购率", "65%", "", ""],
        ["2026年9月", "销售额", "1200万", "", ""],
        ["2026-Q3", "获客成本", "¥85", "", ""],
        ["2026-09", "销售额", "500万", "", "天猫"],
        ["2026-09", "复购率", "60%", "", "抖音"],
    ]
    t.add("2026-Q3", "repurchase_rate", 65)
    t.add("2026-09", "revenue", 12000000)
    t.add("2026-Q3", "cac", 85)
    t.add("2026-09", "revenue", 5000000, "", "天猫")
    t.add("2026-09", "repurchase_rate", 60, "", "抖音")
    name = "o05_petfood_long_2sheets.xlsx"
    write_xlsx(
        name,
        [
            ("facts", ["date", "region", "channel", "metric", "value"], rows, None),
            ("targets", ["period", "metric", "target", "region", "channel"], trows, None),
        ],
    )
    return dict(
        id="o05_petfood_long_2sheets",
        file=name,
        expect="ok",
        why="宠物食品 DTC 品牌只分渠道不分区域：facts 页长表用中文指标名（花费/销售额/购买人数/复购人数），targets 页含复购率65%、1200万销售额、¥85获客成本",
        facts=f.truth(),
        targets=t.truth(),
    )


@case
def o06():
    """B2B SaaS, wide UTF-8 CSV, English headers, 2026-W37 labels, CAC ignored."""
    rng = random.Random("o06")
    f = Facts()
    header = [
        "week",
        "region",
        "channel",
        "spend",
        "impressions",
        "clicks",
        "leads",
        "conversions",
        "CAC",
        "notes",
    ]
    rows = []
    for wk in (37, 38):
        mon = iso_monday(2026, wk)
        for region in ("North", "East"):
            for channel in ("Baidu SEM", "LinkedIn", "WeChat"):
                spend = rng.randint(60, 300) * 100
                imp = rng.randint(20000, 250000)
                clk = int(imp * rng.uniform(0.005, 0.025))
                leads = int(clk * rng.uniform(0.05, 0.15))
                conv = int(leads * rng.uniform(0.05, 0.2))
                cac = ratio(spend, conv) if conv else ""
                note = "webinar week" if (wk == 38 and channel == "LinkedIn") else ""
                rows.append(
                    [
                        f"2026-W{wk}",
                        region,
                        channel,
                        thou(spend),
                        thou(imp),
                        thou(clk),
                        leads,
                        conv,
                        cac,
                        note,
                    ]
                )
                for m, v in (
                    ("spend", spend),
                    ("impressions", imp),
                    ("clicks", clk),
                    ("leads", leads),
                    ("conversions", conv),
                ):
                    f.add(mon, region, channel, m, v)
    name = "o06_saas_wide_en_weeklabel.csv"
    write_csv(name, header, rows, "utf-8")
    return dict(
        id="o06_saas_wide_en_weeklabel",
        file=name,
        expect="ok",
        why="B2B SaaS 增长团队的英文宽表，周写成 2026-W37，含 CAC 计算列（事实表里不导入）和 notes 列",
        facts=f.truth(),
    )


@case
def o07():
    """Maternal & baby brand, targets-only wide CSV."""
    t = Targets()
    header = ["期间", "区域", "渠道", "销售额目标（万元）", "获客成本目标", "ROI目标", "复购率目标"]
    rows = [
        ["2026年第三季度", "", "", "5,000", "120元", "3.5", "65%"],
        ["2026年第三季度", "华东", "", "2,200", "110", "3.8", ""],
        ["2026年第三季度", "华南", "", "1,500", "130", "3.2", ""],
        ["2026年9月", "", "", "1,800", "120", "3.5", "65%"],
        ["2026年9月", "华东", "天猫", "600", "", "4.0", ""],
    ]
    t.add("2026-Q3", "revenue", 50000000)
    t.add("2026-Q3", "cac", 120)
    t.add("2026-Q3", "roi", D("3.5"))
    t.add("2026-Q3", "repurchase_rate", 65)
    t.add("2026-Q3", "revenue", 22000000, "华东")
    t.add("2026-Q3", "cac", 110, "华东")
    t.add("2026-Q3", "roi", D("3.8"), "华东")
    t.add("2026-Q3", "revenue", 15000000, "华南")
    t.add("2026-Q3", "cac", 130, "华南")
    t.add("2026-Q3", "roi", D("3.2"), "华南")
    t.add("2026-09", "revenue", 18000000)
    t.add("2026-09", "cac", 120)
    t.add("2026-09", "roi", D("3.5"))
    t.add("2026-09", "repurchase_rate", 65)
    t.add("2026-09", "revenue", 6000000, "华东", "天猫")
    t.add("2026-09", "roi", 4, "华东", "天猫")
    name = "o07_babycare_targets_only.csv"
    write_csv(name, header, rows, "utf-8")
    return dict(
        id="o07_babycare_targets_only",
        file=name,
        expect="ok",
        why="母婴品牌年中定 Q3 和 9 月目标：只有目标的宽表（销售额目标万元、获客成本、ROI、复购率65%），空区域=全公司",
        targets=t.truth(),
    )


@case
def o08():
    """Dairy, XLSX facts + notes, 万/亿 cells, Chinese date strings, offline blanks."""
    rng = random.Random("o08")
    f = Facts()
    header = ["周", "区域", "渠道", "花费", "曝光", "点击", "成交额", "点击率", "备注"]
    rows = []
    for d in (dt.date(2026, 9, 14), dt.date(2026, 9, 21)):
        for region in ("华东", "华中"):
            for channel in ("天猫", "抖音", "线下商超"):
                spend = rng.randint(100, 600) * 1000  # 10万..60万, 1 decimal in 万
                rev = rng.randint(300, 1500) * 1000
                imp = rng.randint(150, 900) * 10000  # whole 万
                clk = int(imp * rng.uniform(0.008, 0.02))
                note = ""
                if channel == "线下商超":
                    imp_cell, clk_cell, ctr = "", "", ""
                    note = "线下无曝光点击"
                else:
                    imp_cell, clk_cell, ctr = wan(imp), thou(clk), pct(clk, imp)
                if d == dt.date(2026, 9, 21) and region == "华东" and channel == "抖音":
                    imp = 120000000  # 99大促 前超级曝光
                    clk = int(imp * 0.006)
                    imp_cell, clk_cell, ctr = yi(imp), thou(clk), pct(clk, imp)
                    note = "超品日"
                spend_cell = wan(spend) if channel != "线下商超" else thou(spend)
                rows.append(
                    [
                        f"{d.year}年{d.month}月{d.day}日",
                        region,
                        channel,
                        spend_cell,
                        imp_cell,
                        clk_cell,
                        wan(rev),
                        ctr,
                        note,
                    ]
                )
                f.add(d, region, channel, "spend", spend)
                f.add(d, region, channel, "revenue", rev)
                if imp_cell:
                    f.add(d, region, channel, "impressions", imp)
                    f.add(d, region, channel, "clicks", clk)
    notes = [
        ["备注"],
        ["成交额为支付口径，不含退款"],
        ["线下商超花费为陈列费+促销员费用"],
        ["数据来源：生意参谋、巨量千川、KA 系统"],
    ]
    name = "o08_dairy_wan_yi_cells.xlsx"
    write_xlsx(name, [("周数据", header, rows, None), ("备注", None, notes, None)])
    return dict(
        id="o08_dairy_wan_yi_cells",
        file=name,
        expect="ok",
        why="乳品企业周数据工作簿，单元格直接写“23.5万”“350万”“1.2亿”，日期写“2026年9月14日”，线下商超没有曝光点击留空，另有备注页",
        facts=f.truth(),
    )


@case
def o09():
    """Coffee chain, long GBK CSV, 2026年9月7日 dates, Chinese metric names."""
    rng = random.Random("o09")
    f = Facts()
    rows = []
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for region in ("上海", "杭州", "成都"):
            for channel in ("小程序", "美团"):
                spend = rng.randint(30, 200) * 100
                orders = rng.randint(2000, 15000)
                rev = orders * rng.randint(18, 32)
                active = rng.randint(10000, 80000)
                for mname, key, v in (
                    ("投放费用", "spend", spend),
                    ("订单数", "conversions", orders),
                    ("销售额", "revenue", rev),
                    ("活跃用户数", "active_users", active),
                ):
                    rows.append([f"{d.year}年{d.month}月{d.day}日", region, channel, mname, thou(v)])
                    f.add(d, region, channel, key, v)
    name = "o09_coffee_long_gbk.csv"
    write_csv(name, ["date", "region", "channel", "metric", "value"], rows, "gbk")
    return dict(
        id="o09_coffee_long_gbk",
        file=name,
        expect="ok",
        why="连锁咖啡城市市场组用 WPS 导出的 GBK 长表，日期写“2026年9月7日”，指标用中文（投放费用/订单数/销售额/活跃用户数），数字带千分位",
        facts=f.truth(),
    )


@case
def o10():
    """Mobile game, wide UTF-8-BOM CSV, Sunday dates 2026/9/13, blank region, DAU total rows."""
    rng = random.Random("o10")
    f = Facts()
    header = ["日期", "区域", "渠道", "花费", "展现", "点击", "活跃用户数", "备注"]
    rows = []
    for sunday in (dt.date(2026, 9, 6), dt.date(2026, 9, 13), dt.date(2026, 9, 20)):
        mon = monday_of(sunday)
        ds = f"{sunday.year}/{sunday.month}/{sunday.day}"
        for channel in ("应用宝", "华为应用市场", "抖音", "B站"):
            spend = rng.randint(100, 900) * 100
            imp = rng.randint(200000, 3000000)
            clk = int(imp * rng.uniform(0.005, 0.03))
            dau = rng.randint(5000, 60000)
            rows.append([ds, "", channel, spend, imp, clk, dau, ""])
            for m, v in (("spend", spend), ("impressions", imp), ("clicks", clk), ("active_users", dau)):
                f.add(mon, "", channel, m, v)
        total_dau = rng.randint(300000, 400000)
        rows.append([ds, "", "", "", "", "", total_dau, "全盘 DAU（含自然量）"])
        f.add(mon, "", "", "active_users", total_dau)
    name = "o10_game_sunday_bom.csv"
    write_csv(name, header, rows, "utf-8-sig")
    return dict(
        id="o10_game_sunday_bom",
        file=name,
        expect="ok",
        why="手游发行的买量周报按周日结束日记（2026/9/13），不分区域，每周另有一行全盘 DAU 只有活跃用户数、其他空着",
        facts=f.truth(),
    )


@case
def o11():
    """Apparel, XLSX 3 sheets: wide facts with 2026-W38 labels + 客单价, wide targets, notes."""
    rng = random.Random("o11")
    f = Facts()
    t = Targets()
    header = ["周", "区域", "渠道", "花费", "曝光", "点击", "订单数", "销售额", "客单价"]
    rows = []
    for wk in (38, 39):
        mon = iso_monday(2026, wk)
        for region in ("华南", "华东"):
            for channel in ("抖音", "天猫", "唯品会"):
                fu = funnel(rng, 100, 700, aov_lo=150, aov_hi=450)
                rows.append(
                    [
                        f"2026-W{wk}",
                        region,
                        channel,
                        fu["spend"],
                        fu["impressions"],
                        fu["clicks"],
                        fu["conversions"],
                        fu["revenue"],
                        float(ratio(fu["revenue"], fu["conversions"])),
                    ]
                )
                for m in ("spend", "impressions", "clicks", "conversions", "revenue"):
                    f.add(mon, region, channel, m, fu[m])
    theader = ["期间", "区域", "渠道", "销售额目标（万元）", "ROI目标", "花费目标（万元）"]
    trows = [
        ["2026-09", "", "", 800, 4.0, 200],
        ["2026-Q4", "", "", 3000, 4.2, 700],
        ["2026-09", "华南", "抖音", 150, 3.5, None],
    ]
    t.add("2026-09", "revenue", 8000000)
    t.add("2026-09", "roi", 4)
    t.add("2026-09", "spend", 2000000)
    t.add("2026-Q4", "revenue", 30000000)
    t.add("2026-Q4", "roi", D("4.2"))
    t.add("2026-Q4", "spend", 7000000)
    t.add("2026-09", "revenue", 1500000, "华南", "抖音")
    t.add("2026-09", "roi", D("3.5"), "华南", "抖音")
    notes = [["说明"], ["客单价=销售额/订单数，仅供参考"], ["Q4 目标待双十一方案定稿后更新"]]
    name = "o11_apparel_3sheets_weeklabel.xlsx"
    write_xlsx(
        name, [("数据", header, rows, None), ("目标", theader, trows, None), ("备注", None, notes, None)]
    )
    return dict(
        id="o11_apparel_3sheets_weeklabel",
        file=name,
        expect="ok",
        why="服装电商三页工作簿：数据页周写 2026-W38、带客单价计算列（不导入）；目标页宽表 9 月/Q4 销售额、ROI、花费目标（万元）；备注页忽略",
        facts=f.truth(),
        targets=t.truth(),
    )


@case
def o12():
    """Home appliance, wide BOM CSV, header units 花费（万元） and 销售额(万), ROI/客单价 ignored."""
    rng = random.Random("o12")
    f = Facts()
    header = ["日期", "区域", "渠道", "花费（万元）", "曝光", "点击", "订单数", "销售额(万)", "ROI", "客单价"]
    rows = []
    for d in (dt.date(2026, 9, 21), dt.date(2026, 9, 28)):
        for region in ("华东", "华北", "西南", "东北"):
            for channel in ("京东", "天猫"):
                spend = rng.randint(300, 3000) * 100  # 3万..30万, 2 decimals in 万
                imp = rng.randint(200000, 1500000)
                clk = int(imp * rng.uniform(0.01, 0.03))
                orders = rng.randint(100, 900)
                rev = orders * rng.randint(12, 40) * 100  # multiple of 100 -> 2 decimals in 万
                rows.append(
                    [
                        d.isoformat(),
                        region,
                        channel,
                        plain(D(spend) / 10000),
                        imp,
                        clk,
                        orders,
                        plain(D(rev) / 10000),
                        ratio(rev, spend),
                        ratio(rev, orders, 0),
                    ]
                )
                for m, v in (
                    ("spend", spend),
                    ("impressions", imp),
                    ("clicks", clk),
                    ("conversions", orders),
                    ("revenue", rev),
                ):
                    f.add(d, region, channel, m, v)
    name = "o12_appliance_header_units.csv"
    write_csv(name, header, rows, "utf-8-sig")
    return dict(
        id="o12_appliance_header_units",
        file=name,
        expect="ok",
        why="家电品牌京东/天猫分大区周报，表头写“花费（万元）”“销售额(万)”，附 ROI、客单价两个计算列（不导入）",
        facts=f.truth(),
    )


@case
def o13():
    """Baijiu, long UTF-8 CSV, value cells with units (万, ¥, 元, 亿)."""
    rng = random.Random("o13")
    f = Facts()
    rows = []
    mon = dt.date(2026, 9, 14)
    mon2 = dt.date(2026, 9, 21)
    for d in (mon, mon2):
        ds = d.isoformat()
        for region in ("华中", "西南"):
            for channel in ("经销商", "京东"):
                spend = rng.randint(20, 90) * 1000  # 2万..9万
                rev = rng.randint(80, 600) * 10000
                conv = rng.randint(300, 2000)
                rows.append(
                    [ds, region, channel, "spend", wan(spend) if channel == "经销商" else f"¥{thou(spend)}"]
                )
                rows.append(
                    [ds, region, channel, "revenue", wan(rev) if channel == "经销商" else f"{thou(rev)}元"]
                )
                rows.append([ds, region, channel, "conversions", thou(conv)])
                f.add(d, region, channel, "spend", spend)
                f.add(d, region, channel, "revenue", rev)
                f.add(d, region, channel, "conversions", conv)
        total_rev = rng.randint(100, 130) * 1000000  # 1.00亿..1.30亿
        rows.append([ds, "", "", "revenue", yi(total_rev)])
        f.add(d, "", "", "revenue", total_rev)
    name = "o13_baijiu_long_unit_cells.csv"
    write_csv(name, ["date", "region", "channel", "metric", "value"], rows, "utf-8")
    return dict(
        id="o13_baijiu_long_unit_cells",
        file=name,
        expect="ok",
        why="白酒企业长表，数值单元格混写“x.x万”“¥42,000”“1,200,000元”这类写法，全公司周销售额写成“1.xx亿”",
        facts=f.truth(),
    )


@case
def o14():
    """Medical aesthetics chain, targets-only long CSV, many period spellings and unit cells."""
    t = Targets()
    rows = [
        ["2026", "revenue", "1.5亿", "", ""],
        ["2026-Q3", "revenue", "4,000万", "", ""],
        ["2026-Q3", "cac", "¥350", "", ""],
        ["2026/9", "leads", "8,000", "华东", ""],
        ["2026年9月", "leads", "6000", "华南", ""],
        ["2026-09", "roi", "2.8", "", ""],
        ["2026年第三季度", "复购率", "40%", "", ""],
        ["2026-09", "转化率", "3.5%", "", ""],
    ]
    t.add("2026", "revenue", 150000000)
    t.add("2026-Q3", "revenue", 40000000)
    t.add("2026-Q3", "cac", 350)
    t.add("2026-09", "leads", 8000, "华东")
    t.add("2026-09", "leads", 6000, "华南")
    t.add("2026-09", "roi", D("2.8"))
    t.add("2026-Q3", "repurchase_rate", 40)
    t.add("2026-09", "cvr", D("3.5"))
    name = "o14_aesthetics_targets_long.csv"
    write_csv(name, ["period", "metric", "target", "region", "channel"], rows, "utf-8")
    return dict(
        id="o14_aesthetics_targets_long",
        file=name,
        expect="ok",
        why="医美连锁总部下发的目标长表：年度1.5亿、Q3 4,000万、¥350获客成本，月份写法混用 2026/9、2026年9月、2026-09，复购率40%、转化率3.5%",
        targets=t.truth(),
    )


@case
def o15():
    """Fresh grocery, wide GB18030 CSV, buyers/repeat buyers, blanks and a real zero."""
    rng = random.Random("o15")
    f = Facts()
    header = ["日期", "区域", "渠道", "花费", "订单数", "销售额", "购买人数", "复购人数"]
    rows = []
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for region in ("北京", "上海"):
            for channel in ("App", "小程序", "社群团购"):
                spend = rng.randint(50, 400) * 100
                orders = rng.randint(1000, 9000)
                rev = orders * rng.randint(45, 110)
                buyers = int(orders * rng.uniform(0.6, 0.9))
                rep = int(buyers * rng.uniform(0.2, 0.5))
                spend_cell, rep_cell = str(spend), str(rep)
                if channel == "社群团购":
                    spend, spend_cell = 0, "0"  # 团长佣金不算投放，真实为 0
                    if d == dt.date(2026, 9, 7):
                        rep_cell = ""  # 新渠道首周无复购口径
                rows.append(
                    [
                        f"{d.year}/{d.month}/{d.day}",
                        region,
                        channel,
                        spend_cell,
                        orders,
                        rev,
                        buyers,
                        rep_cell,
                    ]
                )
                f.add(d, region, channel, "spend", spend)
                f.add(d, region, channel, "conversions", orders)
                f.add(d, region, channel, "revenue", rev)
                f.add(d, region, channel, "buyers", buyers)
                if rep_cell:
                    f.add(d, region, channel, "repeat_buyers", rep)
    name = "o15_grocery_gb18030.csv"
    write_csv(name, header, rows, "gb18030")
    return dict(
        id="o15_grocery_gb18030",
        file=name,
        expect="ok",
        why="生鲜电商城市运营周报（GB18030），含购买人数/复购人数，社群团购花费真实为 0（要存），首周复购人数空着（不存）",
        facts=f.truth(),
    )


@case
def o16():
    """Travel/OTA, single-sheet XLSX, English headers, datetime cells, GMV, CTR ignored."""
    rng = random.Random("o16")
    f = Facts()
    header = [
        "Week",
        "Region",
        "Channel",
        "Spend",
        "Impressions",
        "Clicks",
        "Conversions",
        "GMV",
        "CTR",
        "Remarks",
    ]
    rows = []
    for wk in (36, 37, 38):
        mon = iso_monday(2026, wk)
        for region in ("South China", "East China"):
            for channel in ("Ctrip", "Meituan", "Fliggy"):
                fu = funnel(rng, 100, 500, aov_lo=400, aov_hi=1200)
                remark = "Mid-Autumn presale" if wk == 38 and channel == "Fliggy" else None
                rows.append(
                    [
                        dt.datetime(mon.year, mon.month, mon.day),
                        region,
                        channel,
                        fu["spend"],
                        fu["impressions"],
                        fu["clicks"],
                        fu["conversions"],
                        fu["revenue"],
                        round(fu["clicks"] / fu["impressions"], 4),
                        remark,
                    ]
                )
                for m in ("spend", "impressions", "clicks", "conversions", "revenue"):
                    f.add(mon, region, channel, m, fu[m])
    name = "o16_travel_en_xlsx.xlsx"
    write_xlsx(name, [("Weekly", header, rows, "yyyy-mm-dd")])
    return dict(
        id="o16_travel_en_xlsx",
        file=name,
        expect="ok",
        why="酒店集团给外籍 CMO 看的英文单页 XLSX，Week 列是真日期单元格（周一），GMV 作销售额，CTR 小数列不导入",
        facts=f.truth(),
    )


# --------------------------------------------------------------------------
# cases that must be refused (exactly one planted problem each)
# --------------------------------------------------------------------------


@case
def r01():
    """Missing date column in a wide CSV."""
    rng = random.Random("r01")
    header = ["区域", "渠道", "花费", "曝光", "点击", "销售额"]
    rows = []
    for region in ("华东", "华南", "华北"):
        for channel in ("抖音", "天猫"):
            fu = funnel(rng)
            rows.append([region, channel, fu["spend"], fu["impressions"], fu["clicks"], fu["revenue"]])
    name = "r01_missing_date_column.csv"
    write_csv(name, header, rows, "utf-8")
    return dict(
        id="r01_missing_date_column",
        file=name,
        expect="refused",
        why="饮料品牌策划从透视表复制出一周数据，忘了带日期/周列",
        problem={"row": None, "column": None, "kind": "missing_column"},
    )


@case
def r02():
    """Impossible date string among real date cells in an XLSX."""
    rng = random.Random("r02")
    header = ["日期", "区域", "渠道", "花费", "曝光", "点击", "订单数", "销售额"]
    rows = []
    for d in (dt.date(2026, 9, 21), dt.date(2026, 9, 28)):
        for region in ("华东", "西南"):
            for channel in ("小红书", "抖音"):
                fu = funnel(rng)
                rows.append(
                    [
                        dt.datetime(d.year, d.month, d.day),
                        region,
                        channel,
                        fu["spend"],
                        fu["impressions"],
                        fu["clicks"],
                        fu["conversions"],
                        fu["revenue"],
                    ]
                )
    bad_idx = 5  # 6th data row -> spreadsheet row 7
    rows[bad_idx][0] = "2026-09-31"
    notes = [["说明"], ["9/28 当周数据为预估"]]
    name = "r02_bad_date_xlsx.xlsx"
    write_xlsx(name, [("周报", header, rows, "yyyy-mm-dd"), ("说明", None, notes, None)])
    return dict(
        id="r02_bad_date_xlsx",
        file=name,
        expect="refused",
        why="美妆品牌周报里有人手敲了不存在的日期“2026-09-31”（其余是日期单元格）",
        problem={"row": bad_idx + 2, "column": "日期", "kind": "bad_date"},
    )


@case
def r03():
    """Text placeholder in a numeric column of a BOM CSV."""
    rng = random.Random("r03")
    header = ["周次", "区域", "渠道", "投放费用（万元）", "展现", "点击", "线索"]
    rows = []
    for wk in (37, 38):
        for region in ("北京", "上海"):
            for channel in ("百度搜索", "微信朋友圈"):
                spend = rng.randint(150, 900) * 100
                imp = rng.randint(80000, 600000)
                clk = int(imp * rng.uniform(0.01, 0.04))
                leads = int(clk * rng.uniform(0.03, 0.09))
                rows.append([f"2026年第{wk}周", region, channel, plain(D(spend) / 10000), imp, clk, leads])
    bad_idx = 5
    rows[bad_idx][5] = "待确认"
    name = "r03_text_in_clicks.csv"
    write_csv(name, header, rows, "utf-8-sig")
    return dict(
        id="r03_text_in_clicks",
        file=name,
        expect="refused",
        why="教育机构周报里点击数还没从平台拉到，先填了“待确认”",
        problem={"row": bad_idx + 2, "column": "点击", "kind": "bad_number"},
    )


@case
def r04():
    """Same (date, region, channel, metric) twice in a long CSV."""
    rng = random.Random("r04")
    rows = []
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for region in ("华东", "华南"):
            for channel in ("天猫", "京东"):
                rows.append([d.isoformat(), region, channel, "spend", rng.randint(200, 800) * 100])
                rows.append([d.isoformat(), region, channel, "revenue", rng.randint(100, 500) * 1000])
    # planner pasted a corrected 华东/天猫 spend for 9/7 at the end instead of overwriting
    rows.append(["2026-09-07", "华东", "天猫", "spend", 41200])
    name = "r04_duplicate_long.csv"
    write_csv(name, ["date", "region", "channel", "metric", "value"], rows, "utf-8")
    return dict(
        id="r04_duplicate_long",
        file=name,
        expect="refused",
        why="宠物品牌策划把更正后的 9/7 华东天猫花费追加在表尾，而不是改原行（第2行已有同一键）",
        problem={"row": len(rows) + 1, "column": None, "kind": "duplicate"},
    )


@case
def r05():
    """Negative spend in a GBK wide CSV."""
    rng = random.Random("r05")
    header = ["日期", "区域", "渠道", "消耗（万元）", "曝光", "点击", "线索"]
    rows = []
    for d in (dt.date(2026, 9, 13), dt.date(2026, 9, 20)):
        for region in ("华东大区", "华南大区"):
            for channel in ("汽车之家", "懂车帝"):
                rows.append(
                    [
                        f"{d.year}/{d.month}/{d.day}",
                        region,
                        channel,
                        plain(D(rng.randint(80, 400)) / 10),
                        rng.randint(300000, 900000),
                        rng.randint(3000, 9000),
                        rng.randint(100, 400),
                    ]
                )
    bad_idx = 4
    rows[bad_idx][3] = "-3.2"
    name = "r05_negative_spend_gbk.csv"
    write_csv(name, header, rows, "gbk")
    return dict(
        id="r05_negative_spend_gbk",
        file=name,
        expect="refused",
        why="车企大区把懂车帝返点冲抵写成了负的消耗 -3.2 万",
        problem={"row": bad_idx + 2, "column": "消耗（万元）", "kind": "negative"},
    )


@case
def r06():
    """'TBD' value in a long XLSX facts sheet (with a targets sheet)."""
    rng = random.Random("r06")
    rows = []
    for d in (dt.date(2026, 9, 7), dt.date(2026, 9, 14)):
        for region in ("North", "East"):
            for m in ("spend", "leads", "conversions"):
                v = rng.randint(60, 300) * 100 if m == "spend" else rng.randint(20, 200)
                rows.append([dt.datetime(d.year, d.month, d.day), region, "LinkedIn", m, v])
    bad_idx = 6
    rows[bad_idx][4] = "TBD"
    trows = [["2026-Q3", "leads", 2400, "", ""], ["2026-Q3", "cac", 1500, "", ""]]
    name = "r06_tbd_long_xlsx.xlsx"
    write_xlsx(
        name,
        [
            ("facts", ["date", "region", "channel", "metric", "value"], rows, "yyyy-mm-dd"),
            ("targets", ["period", "metric", "target", "region", "channel"], trows, None),
        ],
    )
    return dict(
        id="r06_tbd_long_xlsx",
        file=name,
        expect="refused",
        why="SaaS 增长团队长表里一周的数还没出，先写了 TBD；整个工作簿（含目标页）都不应导入",
        problem={"row": bad_idx + 2, "column": "value", "kind": "bad_number"},
    )


@case
def r07():
    """Same week x region x channel row twice in a wide XLSX with week labels."""
    rng = random.Random("r07")
    header = ["周", "区域", "渠道", "花费", "曝光", "点击", "订单数", "销售额"]
    rows = []
    for wk in (38, 39):
        for region in ("华南", "华东"):
            for channel in ("抖音", "天猫"):
                fu = funnel(rng)
                rows.append(
                    [
                        f"2026年第{wk}周",
                        region,
                        channel,
                        fu["spend"],
                        fu["impressions"],
                        fu["clicks"],
                        fu["conversions"],
                        fu["revenue"],
                    ]
                )
    # copy-paste slip: the first row (第38周 华南 抖音) re-entered later with other numbers
    fu = funnel(rng)
    dup = [
        "2026年第38周",
        "华南",
        "抖音",
        fu["spend"],
        fu["impressions"],
        fu["clicks"],
        fu["conversions"],
        fu["revenue"],
    ]
    rows.insert(6, dup)
    theader = ["期间", "区域", "渠道", "销售额目标（万元）"]
    trows = [["2026-09", "", "", 800]]
    notes = [["备注"], ["第39周为国庆前预热"]]
    name = "r07_duplicate_wide_xlsx.xlsx"
    write_xlsx(
        name, [("数据", header, rows, None), ("目标", theader, trows, None), ("备注", None, notes, None)]
    )
    return dict(
        id="r07_duplicate_wide_xlsx",
        file=name,
        expect="refused",
        why="服装电商三页工作簿，复制粘贴时把“2026年第38周 华南 抖音”又录了一行（数字不同，与第2行重复）",
        problem={"row": 6 + 2, "column": None, "kind": "duplicate"},
    )


@case
def r08():
    """Unreadable target period 2026-Q5 in a targets-only long CSV."""
    rows = [
        ["2026-Q3", "revenue", "4,000万", "", ""],
        ["2026-Q3", "cac", "350", "", ""],
        ["2026-Q5", "revenue", "4,500万", "", ""],
        ["2026-09", "leads", "8000", "华东", ""],
        ["2026-10", "leads", "8500", "华东", ""],
    ]
    name = "r08_bad_period_targets.csv"
    write_csv(name, ["period", "metric", "target", "region", "channel"], rows, "utf-8")
    return dict(
        id="r08_bad_period_targets",
        file=name,
        expect="refused",
        why="医美总部目标表里把下一季度误写成“2026-Q5”",
        problem={"row": 4, "column": "period", "kind": "bad_date"},
    )


# --------------------------------------------------------------------------


def main():
    out = []
    for fn in CASES:
        rec = fn()
        ordered = {k: rec[k] for k in ("id", "file", "why", "expect") if k in rec}
        for k in ("facts", "targets", "problem"):
            if k in rec:
                ordered[k] = rec[k]
        out.append(ordered)
    ids = [r["id"] for r in out]
    assert len(ids) == len(set(ids))
    with open(HERE / "cases.jsonl", "w", encoding="utf-8") as fh:
        for r in out:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} cases to {HERE / 'cases.jsonl'}")


if __name__ == "__main__":
    main()
