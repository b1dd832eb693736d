"""Bot API: the bot itself and its updates (getMe, webhooks, and the getUpdates queue).

The queue is filled by :meth:`bot.emulator.core.StateCore.push_update`; here the bot's side of it:
:meth:`~UpdatesApi._confirm` forgets what an ``offset`` confirms and :meth:`~UpdatesApi._take`
hands out a batch (the HTTP layer's long polling calls both). A webhook makes getUpdates answer
409, as on Telegram.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.emulator.core import Params, QueuedUpdate, StateCore, bad_request, bool_param

log = logging.getLogger(__name__)

WEBHOOK_CONFLICT = ("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                    "the webhook first")


class UpdatesApi(StateCore):
    """getMe, logOut, close, setWebhook, deleteWebhook, getWebhookInfo; confirming and taking updates."""

    def _api_getme(self, params: Params) -> Any:
        return self.bot_user

    def _api_logout(self, params: Params) -> Any:
        return True

    def _api_close(self, params: Params) -> Any:
        return True

    def _api_setwebhook(self, params: Params) -> Any:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        if bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_deletewebhook(self, params: Params) -> Any:
        self.webhook_url = ""
        if bool_param(params, "drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_getwebhookinfo(self, params: Params) -> Any:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._queue)}

    def _confirm(self, offset: int) -> None:
        """Forget the updates the bot confirmed: those delivered with an id below ``offset``.

        An update pushed again with an old id (a duplicate) is still delivered once.
        """
        if offset < 0:
            self._queue = self._queue[offset:]
        elif offset > 0:
            self._queue = [q for q in self._queue if not (q.delivered and q.update["update_id"] < offset)]

    def _take(self, limit: int) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        kept: list[QueuedUpdate] = []
        for queued in self._queue:
            if queued.kind not in self._allowed:
                log.debug("dropped a %s update: not in allowed_updates", queued.kind)
                continue
            kept.append(queued)
            if len(batch) < limit:
                queued.delivered = True
                batch.append(queued.update)
        self._queue = kept
        return batch
