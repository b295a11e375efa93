"""A month-by-month bar chart of one village's registered and settled items (QtCharts), in the app's font."""

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app.services.township import VillageTrend

SERIES = (("登记", "#1f4e79"), ("办结", "#c0392b"))


def month_label(month: str) -> str:
    """The month's number: "2026-03" → "3" (the axis is titled 月份, the chart's title names the years)."""
    return str(int(month[5:]))


def value_axis(top: int) -> tuple[int, int]:
    """(axis maximum, tick count): whole-number ticks with some room above the tallest bar."""
    for unit in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        steps = max(-(-top * 11 // (10 * unit)), 2)
        if steps <= 8:
            return unit * steps, steps + 1
    return top * 2, 3


class TrendChart(QChartView):
    """Bars per month: 登记 (received in the month) and 办结 (settled in the month)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(260)
        self.chart_ = QChart()
        self.chart_.setMargins(QMargins(4, 4, 4, 4))
        self.chart_.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self.chart_.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.setChart(self.chart_)
        self.title = ""
        self.values: dict[str, list[int]] = {}

    def _fonts(self) -> tuple[QFont, QFont]:
        """The app font (the user's text size), and a bold one a little larger for the title."""
        base = QFont(QApplication.font())
        title = QFont(base)
        title.setBold(True)
        title.setPointSize(base.pointSize() + 2)
        return base, title

    def show_trend(self, title: str, trend: VillageTrend | None) -> None:
        chart = self.chart_
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        base, bold = self._fonts()
        chart.setTitleFont(bold)
        chart.legend().setFont(base)
        self.title = title
        chart.setTitle(title)
        if trend is None:
            self.values = {}
            return
        self.values = {"登记": list(trend.registered), "办结": list(trend.settled)}
        series = QBarSeries()
        for name, colour in SERIES:
            bars = QBarSet(name)
            bars.setColor(QColor(colour))
            bars.append([float(v) for v in self.values[name]])
            series.append(bars)
        series.setLabelsVisible(False)
        chart.addSeries(series)
        months = QBarCategoryAxis()
        months.append([month_label(m) for m in trend.months])
        months.setLabelsFont(base)
        months.setTitleText("月份")
        months.setTitleFont(base)
        top = max([*trend.registered, *trend.settled, 0])
        counts = QValueAxis()
        maximum, ticks = value_axis(top)
        counts.setRange(0, maximum)
        counts.setTickCount(ticks)
        counts.setLabelFormat("%d")
        counts.setLabelsFont(base)
        counts.setTitleText("件数")
        counts.setTitleFont(base)
        chart.addAxis(months, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(counts, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(months)
        series.attachAxis(counts)
