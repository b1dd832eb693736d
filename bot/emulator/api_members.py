"""Bot API: chats and members — getChat*, join requests, invite links, bans.

An administrator's method needs the bot to hold the right for it (:meth:`~MembersApi._admin_target`),
refused with Telegram's "not enough rights to …"; a channel hides its members from a bot that is not
one of its administrators.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from bot.emulator.core import Params, StateCore, bad_request, bool_param, int_param
from bot.emulator.world import PRESENT, EmuChat


class MembersApi(StateCore):
    """getChat, getChatMember, getChatAdministrators, getChatMemberCount, approve/declineChatJoinRequest,
    create/revokeChatInviteLink, ban/unbanChatMember."""

    def _api_getchat(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        protected = {"has_protected_content": True} if chat.protected else {}
        return {**chat.to_dict(), **protected, "accent_color_id": abs(chat.id) % 7, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                        "premium_subscription": False, "gifts_from_channels": False}}

    def _members_visible(self, chat: EmuChat) -> None:
        """A channel shows its members only to its administrators."""
        if chat.type == "channel" and chat.bot_status not in ("administrator", "creator"):
            raise bad_request("member list is inaccessible")

    def _api_getchatmember(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        user_id = int_param(params, "user_id")
        self._members_visible(chat)
        if user_id == self.bot_id:
            if chat.type == "private":
                return self._member_dict(self.bot_user, "member")
            return self._member_dict(self.bot_user, chat.bot_status, chat.bot_rights, chat)
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        if chat.type == "private":
            if user_id != chat.id:
                raise bad_request("user not found")
            return self._member_dict(user.to_dict(), "member")
        return self._member_dict(user.to_dict(), chat.status_of(user_id))

    def _api_getchatadministrators(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        self._members_visible(chat)
        admins = [self._member_dict(self.users[uid].to_dict(), status) for uid, status in chat.members.items()
                  if status in ("creator", "administrator") and uid in self.users]
        if chat.bot_status == "administrator":
            admins.append(self._member_dict(self.bot_user, "administrator", chat.bot_rights, chat))
        return admins

    def _api_getchatmembercount(self, params: Params) -> Any:
        chat = self._target(params, posting=False)
        if chat.type == "private":
            return 2
        present = sum(1 for status in chat.members.values() if status in PRESENT)
        return present + (1 if chat.bot_present else 0)

    def _join_decision(self, params: Params, decision: str) -> Any:
        chat = self._admin_target(params, "manage chat join requests", "can_invite_users")
        user_id = int_param(params, "user_id")
        if (chat.id, user_id) not in self._pending_joins:
            if chat.status_of(user_id) in PRESENT:
                raise bad_request("USER_ALREADY_PARTICIPANT")
            raise bad_request("HIDE_REQUESTER_MISSING")
        self._pending_joins.discard((chat.id, user_id))
        # "… for 5 minutes after the request, or until it is processed": processing closes the window.
        if not any(uid == user_id for _chat, uid in self._pending_joins):
            self._join_windows.pop(user_id, None)
        self.join_request_decisions.append((chat.id, user_id, decision))
        if decision == "approved":
            chat.members[user_id] = "member"
        self._emit({"type": "join_decision", "chat_id": chat.id, "user_id": user_id, "decision": decision})
        return True

    def _api_approvechatjoinrequest(self, params: Params) -> Any:
        return self._join_decision(params, "approved")

    def _api_declinechatjoinrequest(self, params: Params) -> Any:
        return self._join_decision(params, "declined")

    def _api_createchatinvitelink(self, params: Params) -> Any:
        chat = self._admin_target(params, "manage chat invite link", "can_invite_users")
        creates = bool_param(params, "creates_join_request")
        member_limit = int_param(params, "member_limit", 0)
        if creates and member_limit:
            raise bad_request("member limit can't be specified for links requiring administrator approval")
        if member_limit and not 1 <= member_limit <= 99999:
            raise bad_request("USAGE_LIMIT_INVALID")
        expire_date = int_param(params, "expire_date", 0)
        if expire_date and expire_date <= time.time():
            raise bad_request("EXPIRE_DATE_INVALID")
        name = params.get("name")
        if name is not None and len(str(name)) > 32:
            raise bad_request("invite link name is too long")
        link: dict[str, Any] = {"invite_link": f"https://t.me/+{secrets.token_urlsafe(12)}",
                                "creator": self.bot_user, "creates_join_request": creates, "is_primary": False,
                                "is_revoked": False}
        if name:
            link["name"] = str(name)
        if expire_date:
            link["expire_date"] = expire_date
        if member_limit:
            link["member_limit"] = member_limit
        if creates:
            link["pending_join_request_count"] = 0
        self.invite_links[link["invite_link"]] = link
        self.invite_link_chats[link["invite_link"]] = chat.id
        return link

    def _api_revokechatinvitelink(self, params: Params) -> Any:
        self._admin_target(params, "manage chat invite link", "can_invite_users")
        link = self.invite_links.get(str(params.get("invite_link") or ""))
        if link is None:
            raise bad_request("INVITE_HASH_EXPIRED")
        link["is_revoked"] = True
        return link

    def _api_banchatmember(self, params: Params) -> Any:
        chat = self._admin_target(params, "restrict/unrestrict chat member", "can_restrict_members")
        user_id = int_param(params, "user_id")
        if user_id == self.bot_id:
            raise bad_request("can't restrict self")
        status = chat.status_of(user_id)
        if status == "creator":
            raise bad_request("can't remove chat owner")
        if status == "administrator":
            raise bad_request("user is an administrator of the chat")
        chat.members[user_id] = "kicked"
        self._pending_joins.discard((chat.id, user_id))
        return True

    def _api_unbanchatmember(self, params: Params) -> Any:
        chat = self._admin_target(params, "restrict/unrestrict chat member", "can_restrict_members")
        user_id = int_param(params, "user_id")
        status = chat.status_of(user_id)
        if status == "creator":
            raise bad_request("can't remove chat owner")
        if status == "administrator":
            raise bad_request("user is an administrator of the chat")
        if status == "kicked" or not bool_param(params, "only_if_banned"):
            # Without only_if_banned Telegram also removes a current member: afterwards, they are out.
            chat.members[user_id] = "left"
        return True

    def _admin_target(self, params: Params, what: str, right: str | None = None) -> EmuChat:
        """The chat of an administrator's method: the bot needs ``right`` there (any right if None)."""
        chat = self._target(params, posting=False)
        if chat.type == "private":
            raise bad_request("chat member status can't be changed in private chats")
        if chat.bot_status not in ("administrator", "creator") or (right is not None and not chat.bot_can(right)):
            raise bad_request(f"not enough rights to {what}")
        return chat
