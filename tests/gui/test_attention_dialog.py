"""The attention dialog accepts only the number it shows, and changes it after a wrong answer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from client.windows.attention_dialog import AttentionDialog


def test_wrong_then_right_number(qtbot) -> None:
    dialog = AttentionDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    first = dialog.number
    assert len(first) == 4 and first.isdigit()
    wrong = "0000" if first != "0000" else "1111"
    qtbot.keyClicks(dialog.input, wrong)
    qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.feedback.text()
    with qtbot.waitSignal(dialog.answered, timeout=1000):
        qtbot.keyClicks(dialog.input, dialog.number)
        qtbot.keyClick(dialog.input, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert dialog.result() == AttentionDialog.DialogCode.Accepted
