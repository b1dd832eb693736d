"""Bot API: the command menus (setMyCommands, per scope and language) and the chat menu button.

Commands are checked the way Telegram checks them (1-32 lowercase letters, digits or underscores,
a description of 1-256 characters, at most 100 per scope).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.emulator.core import Params, StateCore, bad_request, int_param

MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
VALID_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class CommandsApi(StateCore):
    """setMyCommands, deleteMyCommands, getMyCommands, setChatMenuButton, getChatMenuButton."""

    @staticmethod
    def _scope_key(params: Params) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _api_setmycommands(self, params: Params) -> Any:
        commands = params.get("commands") or []
        if not isinstance(commands, list):
            raise bad_request("Expected an Array of BotCommand")
        checked: list[dict[str, Any]] = []
        for command in commands:
            # Checked like Telegram: the Bot API trims and drops one leading "/", then the server
            # wants 1-32 lowercase letters, digits or underscores, and 1-256 characters of description.
            name = str(command.get("command", "")).strip().removeprefix("/")
            if not name:
                raise bad_request("command must be non-empty")
            if len(name) > 32:
                raise bad_request("command length must not exceed 32")
            description = str(command.get("description", "")).strip()
            if not description:
                raise bad_request("command description must be non-empty")
            if len(description) > MAX_COMMAND_DESCRIPTION:
                raise bad_request(f"command description length must not exceed {MAX_COMMAND_DESCRIPTION}")
            if not VALID_COMMAND.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            checked.append({"command": name, "description": description})
        if len(checked) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        self.commands[self._scope_key(params)] = checked
        return True

    def _api_deletemycommands(self, params: Params) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _api_getmycommands(self, params: Params) -> Any:
        return self.commands.get(self._scope_key(params), [])

    def _api_setchatmenubutton(self, params: Params) -> Any:
        chat_id = int_param(params, "chat_id", 0) or None
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    def _api_getchatmenubutton(self, params: Params) -> Any:
        chat_id = int_param(params, "chat_id", 0) or None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}
