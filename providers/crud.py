"""The one CRUD skeleton of the dynamic providers, and the helpers their resources share.

A provider over an API object only says how to find, create, fetch, update and delete its object
and how live JSON maps to its properties (the hooks `find`, `create_new`, `settle`, `id_of`,
`fetch` / `fetch_with_state`, `outputs`, `apply`, `remove`, `normalise`, `validate`,
`missing_outputs`, `delete_before_replace`, `adopted`, and the class attributes `inputs`,
`identity`, `write_only`, `open_maps`, `plumbing`, `stables`); the rules that make providers cheap
and safe are written once here:
- `check` validates known inputs only (a value known at apply is checked then; in an open map,
  one member not known yet hides only its own problems);
- `diff` is local (no HTTP), compares declared inputs only (None = unmanaged) in normal form,
  write-only inputs by the SHA-256 state keeps of them (never the value), and reports an unknown
  identity input as a change, never a replacement;
- `create` finds first and adopts (`providers.http.create_or_adopt`), settles the object (found
  or made), then converges an adopted object;
- `read` is one GET and answers the drift-friendly inputs (`providers.base.refreshed_inputs`);
- `update` writes only changed non-identity inputs; `delete` of a gone object (404) is fine.

Every Netlify provider (`providers.netlify.common.NetlifyProvider`) and every Supabase provider
(`providers.supabase.api.SupabaseProvider`) sits on it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from providers.base import ApiProvider, refreshed_inputs
from providers.http import create_or_adopt
from providers.unknowns import has_unknown, without_unknowns
from providers.values import hashes, plain, sha256

Props = dict[str, Any]
Problems = list[tuple[str, str]]


def _differs(new: Any, old: Any) -> bool:
    """Compare only what the program declares: None means unmanaged, dict keys recursively."""
    if new is None:
        return False
    if isinstance(new, Mapping):
        old = old if isinstance(old, Mapping) else {}
        return any(_differs(v, old.get(k)) for k, v in new.items())
    return new != old


class CrudProvider(ApiProvider):
    """The CRUD skeleton of a dynamic provider over one API; subclasses fill in the object-specific hooks."""

    inputs: ClassVar[tuple[str, ...]]
    # Inputs the API cannot change in place: a change replaces the object.
    identity: ClassVar[frozenset[str]] = frozenset()
    # Inputs whose absence is itself a value (e.g. no site_id = account-level variable).
    unset_is_value: ClassVar[frozenset[str]] = frozenset()
    # Inputs whose validation reads other inputs: not reported while one of those is unknown.
    depends_on: ClassVar[dict[str, frozenset[str]]] = {}
    # Inputs the provider only passes along (never diffed, never read from the API): kept in state.
    plumbing: ClassVar[tuple[str, ...]] = ()
    # The id `read` answers for an object gone: the host sends both "" and None as the empty id.
    gone_id: ClassVar[str | None] = ""
    # Write-only inputs (the API never reads them back, or only masked): input -> the output that
    # keeps its SHA-256 (of a map: one per member). State never holds the value; `diff` compares
    # hashes; `read` cannot hand the value back (see `providers.base.refreshed_inputs`).
    write_only: ClassVar[Mapping[str, str]] = {}
    # Map inputs that are open sets of API fields: validated member by member, so one member not
    # known yet (a preview) hides only its own problems, not those of its known neighbours.
    open_maps: ClassVar[frozenset[str]] = frozenset()
    # Outputs no update changes (the Supabase project's `ref`): the diff names them `stables`, so in a
    # preview of an update they stay known and what reads them is not shown changing with it.
    stables: ClassVar[tuple[str, ...]] = ()

    # ---- hooks -------------------------------------------------------------------------------
    def defaults(self, news: Props) -> Props:
        """The inputs with defaults filled in (e.g. a `wait_timeout` older programs did not set): in
        `check`, and again in `create` and `update` for inputs that did not go through it."""
        return news

    def validate(self, news: Props) -> Problems:
        return []

    def normalise(self, key: str, value: Any, props: Props, *, old: bool) -> Any:
        """The comparable form of one input; override where the server rewrites values."""
        return value

    def find(self, props: Props) -> dict[str, Any] | None:
        raise NotImplementedError

    def create_new(self, props: Props) -> dict[str, Any]:
        raise NotImplementedError

    def id_of(self, live: dict[str, Any], props: Props) -> str:
        return str(live["id"])

    def fetch(self, id_: str) -> dict[str, Any] | None:
        """The one GET of `read`; None when the object is gone."""
        raise NotImplementedError

    def fetch_with_state(self, id_: str, state: Props) -> dict[str, Any] | None:
        """`fetch`, for an object whose read depends on what state holds: its API id lives in state,
        not in the resource id (a rotating key's current key), or what must be read besides the one
        GET depends on what state lacks (the project's keys, when older state has none). What `read`
        and an update whose write answered nothing call; by default `fetch(id_)`."""
        return self.fetch(id_)

    def settle(self, id_: str, live: dict[str, Any], props: Props, *, made: bool) -> dict[str, Any]:
        """The object `create` found (`made` False: adopted) or made, once it can be used: waited on
        until it is up, with the parts that are other API objects (the project's API keys, created
        for a found project that lacks them). What both paths need before `outputs`; an adopted
        object's differences from the program are converged after, by `update` (see `adopted`)."""
        return live

    def outputs(self, id_: str, live: dict[str, Any], props: Props) -> Props:
        raise NotImplementedError

    def apply(self, id_: str, changed: list[str], olds: Props, news: Props) -> dict[str, Any] | None:
        """Write the changed (non-identity) inputs and fill in the `missing_outputs` named in `changed`;
        return the live object if the answer has it."""
        raise NotImplementedError(f"{self.kind}: no field can be updated in place")

    def remove(self, id_: str, props: Props) -> None:
        raise NotImplementedError

    def missing_outputs(self, olds: Props) -> list[str]:
        """Outputs state lacks because an older version of the provider wrote it: each counts as a
        change (the diff stays local, no call), so the next update fills it in (`apply` sees it)."""
        return []

    def delete_before_replace(self, olds: Props, news: Props) -> bool:
        """Whether a replacement must delete first: the new object cannot coexist with the old
        one, or `find` could take the old one for the new (and the engine then deletes it)."""
        return False

    def managed_outputs(self, id_: str, live: dict[str, Any], declared: Props) -> Props:
        """`outputs`, with every input the program leaves unset (None) kept unset, and of a declared
        object only its declared fields: state is the next `read`'s only record of what is managed."""
        return self.manage(self.outputs(id_, live, declared), declared)

    def manage(self, outs: Props, declared: Props) -> Props:
        outs = {k: v for k, v in outs.items() if k not in self.write_only}  # state keeps hashes only
        for key in self.inputs:
            want = declared.get(key)
            if key in self.write_only:
                continue
            if want is None and key not in self.unset_is_value:
                outs[key] = None
            elif isinstance(want, Mapping) and isinstance(outs.get(key), Mapping):
                # A declared member of an open map the API does not show is kept, as None: still managed.
                outs[key] = {k: outs[key].get(k) for k in want
                             if key in self.open_maps or outs[key].get(k) is not None}
        for key in self.plumbing:
            outs[key] = declared.get(key)
        # A live value equal to the declared one under the server's rewrites (case, order, trailing
        # dot, extra names on a certificate) is kept in the program's form: then a later `read`
        # hands back exactly the program's inputs where nothing drifted.
        for key in self.inputs:
            want, have = declared.get(key), outs.get(key)
            if want is None or have is None or key in self.write_only:
                continue
            if isinstance(want, Mapping) and isinstance(have, Mapping):
                # (A member the prior state holds as None, in an open map, takes what the API shows.)
                outs[key] = {k: v if key not in self.changed(outs, {key: {k: v}})
                             and (v is not None or key not in self.open_maps) else have.get(k)
                             for k, v in want.items()}
                outs[key] = {k: v for k, v in outs[key].items() if v is not None or key in self.open_maps}
            elif key not in self.changed(outs, {key: want}):
                outs[key] = want
        return outs

    def read_inputs(self, outs: Props, prior: Props) -> Props | None:
        """Prior inputs overlaid with the live value of each drifted managed input (see
        `providers.base.refreshed_inputs`); of a declared object only the drifted fields change."""
        stored = prior
        prior = {k: prior[k] for k in (*self.inputs, *self.plumbing) if prior.get(k) is not None}
        drifted = [k for k in self.changed(outs, prior) if k not in self.write_only]
        # A write-only value drifted when the hash the API shows differs from the one state keeps: the
        # inputs then lack it (it cannot be handed back); with nothing drifted the engine keeps its own.
        drifted += [k for k, h in self.write_only.items() if outs.get(h) != stored.get(h)]
        unreadable = [k for k, h in self.write_only.items() if stored.get(h)]
        live: Props = {}
        for key in drifted:
            was, now = prior.get(key), outs.get(key)
            if isinstance(was, Mapping) and isinstance(now, Mapping):
                live[key] = {
                    k: now.get(k) if self.changed({key: {k: now.get(k)}}, {key: {k: v}}) else v
                    for k, v in was.items()
                }
                live[key] = {k: v for k, v in live[key].items() if v is not None}
            elif key not in self.write_only:
                live[key] = now
        return refreshed_inputs(prior, (*self.inputs, *self.plumbing), live, drifted, unreadable=unreadable)

    # ---- ResourceProvider ------------------------------------------------------------------
    def check(self, olds: Props, news: Props) -> CheckResult:
        news = self.defaults(plain(news))
        unknown = {k for k, v in news.items() if has_unknown(v)}
        # An open map with some members not known yet: its known members are checked now.
        partial = {k for k in unknown & self.open_maps if isinstance(news[k], Mapping)}
        pending = {m for k in partial for m, v in news[k].items() if has_unknown(v)}
        unknown -= partial
        known = {k: without_unknowns(v) if k in partial else v for k, v in news.items() if k not in unknown}

        def skipped(where: str) -> bool:
            root, *rest = re.split(r"[.\[\]]", where)
            # A problem naming a pending member anywhere in its path (an API body may nest it) waits too.
            return bool({root, *self.depends_on.get(root, ())} & unknown or pending & set(rest))

        # A value not known until apply is checked then, not reported missing now.
        problems = [(k, m) for k, m in self.validate(known) if not skipped(k)]
        return CheckResult(news, [CheckFailure(k, m) for k, m in problems])

    def hash_of(self, value: Any) -> Any:
        """What state keeps of a write-only value: its SHA-256 (of a map, one per member)."""
        return hashes(value) if isinstance(value, Mapping) else sha256(str(value))

    def changed(self, olds: Props, news: Props) -> list[str]:
        out = []
        for key in self.inputs:
            new = news.get(key)
            if has_unknown(new):
                out.append(key)
                continue
            if new is None and key not in self.unset_is_value:
                continue
            if key in self.write_only:
                # Compared by hash: state holds the hash (`write_only[key]`), never the value.
                new_h, old_h = self.hash_of(new if new is not None else {}), olds.get(self.write_only[key])
                if (new_h != old_h) if key in self.unset_is_value else _differs(new_h, old_h):
                    out.append(key)
                continue
            old = olds.get(key)
            new_n = self.normalise(key, new, news, old=False) if new is not None else None
            old_n = self.normalise(key, old, olds, old=True) if old is not None else None
            if (new_n != old_n) if key in self.unset_is_value else _differs(new_n, old_n):
                out.append(key)
        return out

    def diff(self, id_: str, olds: Props, news: Props) -> DiffResult:
        olds, news = plain(olds), plain(news)
        changed = self.changed(olds, news) + self.missing_outputs(olds)
        # An identity input not known yet (an upstream Site being updated) is not a replacement:
        # the real update diffs again with the known value, and replaces only if it really changed.
        replaces = [k for k in changed if k in self.identity and not has_unknown(news.get(k))]
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            stables=list(self.stables) or None,
            delete_before_replace=self.delete_before_replace(olds, news) if replaces else None,
        )

    def adopted(self, props: Props) -> Props:
        """What may be assumed of an object found rather than created (default: what it shows)."""
        return props

    def create(self, props: Props) -> CreateResult:
        props = self.defaults(plain(props))
        made: list[bool] = []

        def create_new() -> dict[str, Any]:
            live = self.create_new(props)
            made.append(True)
            return live

        live = create_or_adopt(lambda: self.find(props), create_new, resource=self.kind)
        id_ = self.id_of(live, props)
        live = self.settle(id_, live, props, made=bool(made))
        outs = self.manage(self.outputs(id_, live, props if made else self.adopted(props)), props)
        # An adopted object may differ from what the program declares: converge it now.
        if [k for k in self.changed(outs, props) if k not in self.identity]:
            outs = self.update(id_, outs, props).outs or outs
        return CreateResult(id_, outs)

    def read(self, id_: str, props: Props) -> ReadResult:
        props = plain(props)
        live = self.fetch_with_state(id_, props)
        if live is None:
            return ReadResult(self.gone_id, {})
        if not any(props.get(k) is not None for k in self.inputs):
            props = {**props, **self.outputs(id_, live, props)}  # no state (an import): all it shows
        outs = self.managed_outputs(id_, live, props)
        return ReadResult(id_, outs, self.read_inputs(outs, props))

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        olds, news = plain(olds), self.defaults(plain(news))
        changed = [k for k in self.changed(olds, news) if k not in self.identity] + self.missing_outputs(olds)
        if not changed:
            return UpdateResult(self.manage(
                {**olds, **{k: news.get(k, olds.get(k)) for k in self.inputs if news.get(k) is not None}}, news))
        live = self.apply(id_, changed, olds, news)
        if live is None:
            live = self.fetch_with_state(id_, olds) or {}
        return UpdateResult(self.managed_outputs(id_, live, news))

    def delete(self, id_: str, props: Props) -> None:
        self.remove(id_, plain(props))


# ---- pulumi.dynamic.Resource helpers -----------------------------------------------------------
def to_props(args: Any) -> Props:
    """Typed args (frozen dataclasses, possibly nested) to the provider's property dict.

    Unset (None) fields are dropped, so they stay unmanaged; pulumi Inputs pass through untouched.
    """
    def convert(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {
                f.name: convert(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None
            }
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        return value

    return convert(args)


def with_outputs(props: Props, outputs: tuple[str, ...]) -> Props:
    """Declare the computed outputs (None placeholders) so they are readable as attributes."""
    return {**dict.fromkeys(outputs), **props}


def secret_opts(opts: pulumi.ResourceOptions | None, secrets: list[str]) -> pulumi.ResourceOptions:
    """Merge `additional_secret_outputs` into the caller's options."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=secrets))
