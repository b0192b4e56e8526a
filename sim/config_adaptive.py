"""Checks of a policy's adaptive part: its survey and its interventions' triggers.

Called by :func:`sim.config_checks.check` for every policy; one :class:`ConfigError`
names the first key at fault: an unknown signpost or scope, a threshold no share can
cross, a switch to an intervention that is not there or that cannot act in the same
scopes, or a cycle of switches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.config import ConfigError, PolicyConfig, TriggerConfig
from sim.config_policy import SIGNPOSTS, TRIGGER_SCOPES

__all__ = ["check_adaptive"]


def _at_least(key: str, value: float, lo: float) -> None:
    if not value >= lo:
        raise ConfigError(key, f"must be at least {lo:g}, got {value!r}")


def _share(key: str, value: float, *, open_lo: bool, open_hi: bool) -> None:
    lo_ok = value > 0.0 if open_lo else value >= 0.0
    hi_ok = value < 1.0 if open_hi else value <= 1.0
    if not (lo_ok and hi_ok):
        lo, hi = "(" if open_lo else "[", ")" if open_hi else "]"
        raise ConfigError(
            key, f"a share the survey can cross must be in {lo}0, 1{hi}, got {value!r}"
        )


def _check_trigger(key: str, t: TriggerConfig, names: Mapping[str, Any]) -> None:
    if t.signpost not in SIGNPOSTS:
        raise ConfigError(
            f"{key}.signpost",
            f"must be one of {', '.join(SIGNPOSTS)} (a surveyed share); got {t.signpost!r}",
        )
    if t.scope not in TRIGGER_SCOPES:
        raise ConfigError(
            f"{key}.scope", f"must be one of {', '.join(TRIGGER_SCOPES)}; got {t.scope!r}"
        )
    if (t.below is None) == (t.above is None):
        raise ConfigError(key, "give exactly one of below or above (the trigger level)")
    # a share is never below 0 or above 1: a trigger there could never start
    if t.below is not None:
        _share(f"{key}.below", t.below, open_lo=True, open_hi=False)
    if t.above is not None:
        _share(f"{key}.above", t.above, open_lo=False, open_hi=True)
    _at_least(f"{key}.waves", t.waves, 1)
    _at_least(f"{key}.recover_waves", t.recover_waves, 1)
    if t.recover is not None:
        _share(f"{key}.recover", t.recover, open_lo=False, open_hi=False)
        if t.below is not None and t.recover < t.below:
            raise ConfigError(
                f"{key}.recover",
                f"recovery must be at or above the trigger (below {t.below:g}); got {t.recover!r}",
            )
        if t.above is not None and t.recover > t.above:
            raise ConfigError(
                f"{key}.recover",
                f"recovery must be at or below the trigger (above {t.above:g}); got {t.recover!r}",
            )
    if t.switch_after is not None:
        _at_least(f"{key}.switch_after", t.switch_after, 1)
    _share(f"{key}.min_change", t.min_change, open_lo=False, open_hi=False)
    if t.switch_to is not None:
        other = names.get(t.switch_to)
        if other is None:
            raise ConfigError(
                f"{key}.switch_to",
                f"no intervention {t.switch_to!r} in this policy "
                f"(one of: {', '.join(sorted(names))})",
            )
        if other.trigger is None or other.trigger.scope != t.scope:
            raise ConfigError(
                f"{key}.switch_to",
                f"{t.switch_to!r} must have a trigger on the same scope ({t.scope}) to "
                "take over where this one has not worked",
            )
        if t.switch_after is None:
            raise ConfigError(
                f"{key}.switch_after", "set it: when to switch to the next intervention"
            )


def _check_cycles(p: PolicyConfig) -> None:
    for name in p.interventions:
        seen = [name]
        t = p.interventions[name].trigger
        while t is not None and t.switch_to is not None:
            nxt = t.switch_to
            if nxt in seen:
                path = " -> ".join([*seen, nxt])
                raise ConfigError(
                    f"policy.interventions.{name}.trigger.switch_to",
                    f"the switches form a cycle ({path}): an action that did not work "
                    "would come back",
                )
            seen.append(nxt)
            nxt_cfg = p.interventions.get(nxt)
            t = nxt_cfg.trigger if nxt_cfg is not None else None


def check_adaptive(p: PolicyConfig, kinds: Mapping[str, Any]) -> None:
    """Check the survey and every trigger of a policy (see the module doc).

    Args:
        p: the policy.
        kinds: the registered intervention kinds (a kind may act in a scope if its
            class says ``scoped = True``).

    Raises:
        ConfigError: naming the first key at fault.
    """
    triggered = {n: iv for n, iv in p.interventions.items() if iv.trigger is not None}
    if not triggered:
        return
    s = p.survey
    _at_least("policy.survey.sample", s.sample, 1)
    _at_least("policy.survey.every", s.every, 1)
    _at_least("policy.survey.first", s.first, 1)
    _at_least("policy.survey.delay", s.delay, 0)
    for name, iv in triggered.items():
        key = f"policy.interventions.{name}.trigger"
        cls = kinds.get(iv.kind)
        if cls is not None and not getattr(cls, "scoped", False):
            raise ConfigError(
                key,
                f"kind {iv.kind!r} does not act on citizens in a scope, so it cannot be "
                "triggered per scope; give it a start and end instead",
            )
        assert iv.trigger is not None
        _check_trigger(key, iv.trigger, p.interventions)
    _check_cycles(p)
    targets = {iv.trigger.switch_to for iv in triggered.values() if iv.trigger is not None}
    for name, iv in triggered.items():
        if iv.trigger is not None and iv.trigger.by_switch and name not in targets:
            raise ConfigError(
                f"policy.interventions.{name}.trigger.by_switch",
                "no intervention switches to it (switch_to), so it would never start",
            )
