"""The rights rules: which feature each administrator right keeps working, and what changed."""

from __future__ import annotations

from games.rights import RIGHTS, BotRights, Change, Feature, compare

FULL = BotRights.of("administrator", dict.fromkeys(RIGHTS, True))


def test_features_follow_their_own_right() -> None:
    only_delete = BotRights.of("administrator", {"can_delete_messages": True, "can_invite_users": False})
    assert only_delete.works(Feature.CLEANUP)
    assert only_delete.missing() == (Feature.GATE, Feature.BAN)
    assert BotRights.of("creator", {}).missing() == ()
    member = BotRights.of("member", dict.fromkeys(RIGHTS, True))  # a member holds no admin right
    assert member.missing() == tuple(Feature) and member.can_post and not member.is_admin
    assert not FULL.works(Feature.GATE, supergroup=False)  # no join requests in basic groups
    assert not BotRights.of("restricted", {}, can_send=False).can_post
    assert not BotRights.of("kicked", {}).present


def test_the_stored_form_round_trips() -> None:
    rights = BotRights.of("administrator", {"can_invite_users": True, "can_restrict_members": True})
    assert rights.encode() == "administrator:can_invite_users,can_restrict_members"
    assert BotRights.decode(rights.encode()) == rights
    assert BotRights.decode("left:") == BotRights("left")


def test_what_changed() -> None:
    no_invite = BotRights.of("administrator", {"can_delete_messages": True, "can_restrict_members": True})
    member = BotRights("member")
    assert compare(FULL, FULL) is None
    change = compare(FULL, no_invite)
    assert change is not None and (change.change, change.gained, change.lost) == (Change.RIGHTS, (), (Feature.GATE,))
    demoted = compare(no_invite, member)
    assert demoted is not None and demoted.change is Change.DEMOTED
    assert demoted.lost == (Feature.CLEANUP, Feature.BAN)
    promoted = compare(member, FULL)
    assert promoted is not None and promoted.change is Change.PROMOTED and promoted.gained == tuple(Feature)
    removed = compare(FULL, BotRights("kicked"))
    assert removed is not None and removed.change is Change.REMOVED
    # A right the bot does not use changing is nothing to tell.
    assert compare(BotRights.of("administrator", {"can_pin_messages": True} | dict.fromkeys(RIGHTS, True)), FULL) \
        is None
