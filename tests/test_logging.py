"""The log file and unexpected errors: rotating, no ID numbers or phones, Chinese messages."""

import logging
import sys

import pytest

from app import logging_setup
from app.cli import COMMANDS, main
from app.logging_setup import LOG_FILE, make_excepthook, setup_logging, stop_logging

PHONE, ID_NUMBER = "13812345678", "510623199001011234"


@pytest.fixture
def log_file(tmp_path):
    path = setup_logging(tmp_path / "data")
    yield path
    stop_logging()


def test_the_log_lives_in_the_data_folder_and_rotates_at_one_megabyte(log_file, tmp_path):
    assert log_file == tmp_path / "data" / "logs" / LOG_FILE
    log = logging.getLogger("taizhang.test")
    for n in range(1300):
        log.info("第%d行 %s", n, "台账" * 400)
    rotated = sorted(p.name for p in log_file.parent.iterdir())
    assert rotated[:2] == [LOG_FILE, f"{LOG_FILE}.1"]
    assert all(p.stat().st_size <= 1_000_000 + 5000 for p in log_file.parent.iterdir())
    assert len(rotated) <= 6  # the current file + 5


def test_no_id_number_or_phone_reaches_the_log(log_file):
    log = logging.getLogger("taizhang.test")
    log.warning("登记：王长贵 身份证%s 电话%s", ID_NUMBER, PHONE)
    try:
        raise ValueError(f"号码{PHONE}格式不对")
    except ValueError:
        log.exception("保存失败 %s", ID_NUMBER)
    text = log_file.read_text(encoding="utf-8")
    assert PHONE not in text and ID_NUMBER not in text
    assert "138****5678" in text and "ValueError" in text and "Traceback" in text


def test_cli_unexpected_error_is_one_chinese_line_with_the_log_path(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))

    def broken(_args, _ctx):
        raise RuntimeError(f"意外 {PHONE}")

    monkeypatch.setitem(COMMANDS, "ledgers", broken)
    try:
        code = main(["ledgers", "--db", str(tmp_path / "v.db")])
    finally:
        log = logging_setup.current_log_file()
        stop_logging()
    err = capsys.readouterr().err
    assert code == 2
    assert "程序内部错误：RuntimeError" in err and "Traceback" not in err
    assert str(log) in err and "发给乡镇或技术人员" in err
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError" in text and PHONE not in text


@pytest.mark.qt_no_exception_capture
def test_a_raising_slot_leaves_the_dialog_and_its_input_open_and_logs(qtbot, log_file, monkeypatch):
    from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout

    shown: list[str] = []
    monkeypatch.setattr(sys, "excepthook", make_excepthook(shown.append))
    dialog = QDialog()
    qtbot.addWidget(dialog)
    field = QLineEdit()
    field.setText("三社王长贵反映村道塌方")
    button = QPushButton("保存")
    layout = QVBoxLayout(dialog)
    layout.addWidget(field)
    layout.addWidget(button)

    def save():
        raise ZeroDivisionError("保存时出错")

    button.clicked.connect(save)
    dialog.show()
    button.click()
    qtbot.waitUntil(lambda: bool(shown))
    assert dialog.isVisible() and field.text() == "三社王长贵反映村道塌方"
    assert "程序遇到意外问题" in shown[0] and "填写的内容都还在" in shown[0]
    assert str(log_file) in shown[0] and "ZeroDivisionError" in shown[0]
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback" in text and "def save" not in shown[0] and "ZeroDivisionError" in text


def test_the_gui_hook_shows_a_chinese_message_box(qtbot, log_file, monkeypatch, no_message_boxes):
    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from app.application import _install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    _install_excepthook()
    try:
        qWarning("Qt警告 13812345678")
        raise KeyError("没有这个事项")
    except KeyError:
        sys.excepthook(*sys.exc_info())
    finally:
        qInstallMessageHandler(None)
    ((kind, text),) = no_message_boxes
    assert kind == "critical" and "程序出错" in text and "发给乡镇或技术人员" in text
    text = log_file.read_text(encoding="utf-8")
    assert "KeyError" in text and "Qt警告 138****5678" in text  # Qt's own warnings reach the log


def test_a_badly_formatted_log_call_still_logs_and_masks(log_file):
    logging.getLogger("taizhang.test").info("事项%d 电话%s", "不是数字")  # wrong arguments
    text = log_file.read_text(encoding="utf-8")
    assert "事项%d" in text and "不是数字" in text
