"""Platform measures: agreements with social-media platforms on feeds and recommendations.

The government pays (or negotiates) for platform users in its target to get a less
biased feed and some diverse recommendations. The capacity is in user-weeks; every
week each targeted citizen who uses the platform (has online follows) is eligible
again. Two effects:

- less algorithmic bias: while the measure runs, the platform's bias gamma (with which
  online partners are picked, P(j) ~ |x_i - x_j|^-gamma, Sirbu et al. 2019) is
  multiplied by 1 - r c, where c is the share of all platform users covered this week
  (one bias for the whole platform, as the model has; a local pilot covers few users);
- diverse exposure: each covered user, with probability e that week, replaces one of
  their follows (at random) with a citizen whose opinion lies outside their confidence
  bound, a recommendation from the other side.

All defaults are assumptions. Field experiments that changed feeds for three months
(a chronological feed, Guess et al. 2023; less like-minded content, Nyhan et al. 2023)
found no measurable change in polarisation, and exposure to the other side can backfire
(Bail et al. 2018): this model has no backfire unless repulsion is switched on
(dynamics.influence.repulsion), so its estimates of this lever are on the optimistic side.
"""

from __future__ import annotations

from typing import ClassVar

from sim.interventions.base import I64, CitizenIntervention, Mask
from sim.interventions.target import select
from sim.network import replace_follows
from sim.params import Param

__all__ = ["PlatformMeasures"]


class PlatformMeasures(CitizenIntervention):
    """Less algorithmic bias and diverse recommendations for covered platform users."""

    kind: ClassVar[str] = "platform_measures"
    unit: ClassVar[str] = "user-week"
    once: ClassVar[bool] = False
    default_unit_cost: ClassVar[float] = 0.05
    unit_cost_source: ClassVar[str] = (
        "assumption: about EUR 2.60 a user a year for a platform to run and audit a "
        "less biased feed for a user"
    )
    params: ClassVar[dict[str, Param]] = {
        "bias_reduction": Param(
            0.5,
            0.0,
            1.0,
            source="assumption; feed changes for 3 months moved polarisation little "
            "(Guess et al. 2023; Nyhan et al. 2023)",
            doc="share r of the algorithmic bias removed when all platform users are covered",
        ),
        "diverse_follow": Param(
            0.02,
            0.0,
            0.1,
            source="assumption: one diverse follow per covered user in about a year",
            doc="chance per covered user-week of replacing a follow by one outside the bound",
        ),
    }

    def users(self) -> Mask:
        """Citizens who use the platform (have online follows and an online share)."""
        pop = self.m.population
        return (self.m.network.online.degree > 0) & (pop.online_share > 0.0)

    def eligible_now(self) -> Mask:
        """Targeted platform users now."""
        return select(self.m, self.cfg.target) & self.users()

    def eligible(self) -> Mask:
        """Targeted platform users, every week."""
        return self.target & self.users()

    def act(self, who: I64) -> None:
        """Set this week's bias factor; rewire some covered users' follows to the other side."""
        pop = self.m.population
        n = pop.size
        u_go = self.stream.random(n)
        u_entry = self.stream.random(n)
        u_cand = self.stream.random(n)
        n_users = int(self.users().sum())
        coverage = who.shape[0] / n_users if n_users else 0.0
        if who.shape[0] or self.units:
            self.m.future.set_bias(
                f"intervention:{self.name}", factor=1.0 - self.p["bias_reduction"] * coverage
            )
        go = who[u_go[who] < self.p["diverse_follow"]]
        replace_follows(
            self.m.network.online, pop.opinion, pop.confidence, go, u_entry, u_cand, outside=True
        )

    def finish(self) -> None:
        """The platform's bias returns to what it was."""
        self.m.future.clear_bias(f"intervention:{self.name}")
