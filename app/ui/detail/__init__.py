"""The task detail (beside the board, or full screen on a phone)."""

from app.ui.detail.view import TaskDetail

__all__ = ["TaskDetail"]
