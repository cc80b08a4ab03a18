"""placesim's model of one place, written again in Mesa 3.

A second, independent implementation of the model in docs/ODD.md, as a careful
policy modeller would write it in Mesa: citizens and agencies are `mesa.Agent`s,
citizens act in a shuffled order each week (`AgentSet.shuffle_do`), contacts
are messages the place triages, and a `DataCollector` records the outcomes.
It reads the same scenario file (the default place) and reports the same
outcome definitions as placesim's `runs.csv`. It is written for clarity, the
way Mesa models are written: no numpy vectorising, and no deliberate slowness.

Random numbers are Python's (`model.random`), so a run agrees with placesim
in distribution, not bit for bit: compare means over many seeds.
"""

from __future__ import annotations

import math
import tomllib
from collections import deque
from dataclasses import dataclass, field

import mesa

WEEKS_PER_YEAR = 52
WEEKS_PER_QUARTER = 13
BARRIERS = (
    "ring_fenced_budgets",
    "function_bound_targets",
    "professional_boundaries",
    "organisational_frameworks",
    "frontline_burden",
)


def load_scenario(path: str) -> dict:
    """A complete scenario file (no `extends`), as placesim's default place is."""
    with open(path, "rb") as f:
        scenario = tomllib.load(f)
    if "extends" in scenario:
        raise ValueError(f"{path}: the Mesa peer reads complete scenarios only (no extends)")
    if scenario.get("schedule"):
        raise ValueError(f"{path}: the Mesa peer does not implement scheduled changes")
    return scenario


# ---------------------------------------------------------------- citizens


class Citizen(mesa.Agent):
    """A simulated citizen with coupled needs, traits and learned propensities."""

    def __init__(self, model: "Place"):
        super().__init__(model)
        p = model.p
        rnd = model.random
        self.needs = [
            2.0 * p.initial_need * p.need_threshold * rnd.random() * rnd.random()
            for _ in range(p.n_domains)
        ]
        self.propensity = [a.initial_propensity for a in model.agency_list]
        self.resilience = rnd.uniform(p.resilience[0], p.resilience[1])
        self.risk = math.exp(p.risk_sigma * rnd.gauss(0.0, 1.0))
        self.help_threshold = rnd.uniform(p.help_threshold[0], p.help_threshold[1])
        self.last_contact = [None] * p.n_domains
        self.lost_referral = set()
        self.blame = [None] * p.n_domains  # agency that last failed each need
        self.blame_tick = [0] * p.n_domains
        self.open_agency = None
        self.open_domain = None
        self.spend = 0.0
        self.wellbeing_sum = 0.0

    # -- the week
    def step(self):
        self.life_events()
        worst = self.recover_and_observe()
        self.seek_help(worst)

    def life_events(self):
        p = self.model.p
        unmet = [max(0.0, (n - p.need_threshold) / (1.0 - p.need_threshold)) for n in self.needs]
        shocked = []
        for d in range(p.n_domains):
            spill = sum(p.coupling[e][d] * unmet[e] for e in range(p.n_domains) if e != d)
            hazard = min(1.0, p.base_hazard[d] * self.risk * (1.0 + spill))
            if self.random.random() < hazard:
                shocked.append(d)
        for d in shocked:
            self.needs[d] += self.random.uniform(p.shock_min, p.shock_max)

    def recover_and_observe(self) -> int:
        model = self.model
        p = model.p
        shrink = p.recovery_rate * self.resilience
        self.needs = [min(1.0, max(0.0, n - shrink * n)) for n in self.needs]
        worst = max(range(p.n_domains), key=lambda d: (self.needs[d], -d))
        if model.counting:
            wellbeing = 1.0 - sum(self.needs) / p.n_domains
            self.wellbeing_sum += wellbeing
            model.week_wellbeing += wellbeing
            model.week_unmet += sum(
                1 for d, n in enumerate(self.needs) if n > p.need_threshold and d != self.open_domain
            )
            if sum(1 for n in self.needs if n > p.high_need) >= 3:
                model.week_multiple_needs += 1
        return worst

    def seek_help(self, d: int):
        model = self.model
        p = model.p
        need = self.needs[d]
        if need > p.crisis_level:
            agency, crisis = model.agency_list[p.crisis_agency[d]], True
        elif need > self.help_threshold and self.open_agency is None:
            agency, crisis = self.choose_agency(d), False
        else:
            return
        last = self.last_contact[d]
        repeat = last is not None and model.tick - last <= p.failure_window
        after_lost = d in self.lost_referral
        self.last_contact[d] = model.tick
        self.lost_referral.discard(d)
        model.contacts.append(Contact(self, agency, d, crisis, False, repeat or after_lost))

    def choose_agency(self, d: int) -> "Agency":
        doors = [a for a in self.model.agency_list if d in a.remit]
        weights = [self.propensity[a.index] for a in doors]
        return self.random.choices(doors, weights=weights)[0]

    # -- what agencies do to a citizen
    def learn(self, agency: "Agency", reward: float):
        p = self.model.p
        self.propensity = [max(q * (1.0 - p.forgetting), p.propensity_floor) for q in self.propensity]
        self.propensity[agency.index] += reward

    def blame_on(self, d: int, agency: "Agency"):
        self.blame[d] = agency
        self.blame_tick[d] = self.model.tick

    def open_case(self, agency: "Agency", d: int):
        self.open_agency, self.open_domain = agency, d

    def close_case(self):
        self.open_agency, self.open_domain = None, None

    def other_needs_above(self, d: int, level: float) -> int:
        return sum(1 for e, n in enumerate(self.needs) if e != d and n > level)


@dataclass
class Contact:
    citizen: Citizen
    agency: "Agency"
    domain: int
    crisis: bool
    via_referral: bool
    failure_demand: bool


@dataclass
class Case:
    citizen: Citizen
    domain: int
    since: int


@dataclass
class Referral:
    citizen: Citizen
    sender: "Agency"
    receiver: "Agency"
    domain: int
    due: int
    lost: bool


# ---------------------------------------------------------------- agencies


def new_week() -> dict:
    keys = ("arrivals failure_demand accepted refused parked served reneged crisis_events "
            "referrals_made referrals_lost departures wait_sum")
    week = dict.fromkeys(keys.split(), 0)
    week.update(capacity=0.0, work_done=0.0, spend=0.0, crisis_spend=0.0, prevention_spend=0.0)
    return week


@dataclass
class Quarter:
    arrivals: int = 0
    failure_demand: int = 0
    departures: int = 0
    wait_sum: int = 0
    refused: int = 0
    spend: float = 0.0
    allowance: float = 0.0
    shifted_out: float = 0.0


@dataclass
class Year:
    allowance: float = 0.0
    spend: float = 0.0
    unmet_value: float = 0.0


@dataclass
class Policy:
    eligibility_threshold: float
    complexity_cap: float
    prevention_capacity_share: float
    intensity: float
    referral_propensity: float


class Agency(mesa.Agent):
    """A public service with a remit, capacity, budget and an adaptive policy."""

    def __init__(self, model: "Place", index: int, key: str, spec: dict, pool_share: float):
        super().__init__(model)
        self.index = index
        self.key = key
        self.role = spec["role"]
        self.remit = {model.p.domain_index[d] for d in spec["remit"]}
        self.capacity_per_week = spec["capacity_per_week"]
        self.budget = spec["budget_per_year"]
        self.efficacy = spec["efficacy"]
        self.wait_target = spec["wait_target_weeks"]
        self.initial_propensity = spec["initial_propensity"]
        self.costs = spec["unit_costs"]
        self.policy = Policy(**spec["policy"])
        self.culture = model.whole_systems_weight
        self.queue: deque[Case] = deque()
        self.prevention_queue: deque[Case] = deque()
        self.carry = 0.0
        self.handoff_owed = 0.0
        self.week = new_week()
        self.quarter = Quarter()
        self.history: deque[Quarter] = deque()
        self.year = Year()
        self.pool_share = pool_share

    @property
    def is_crisis_service(self) -> bool:
        return self.role == "crisis"

    def frontline_capacity(self) -> float:
        m = self.model
        burden = (m.p.reporting_share * m.barrier["frontline_burden"]
                  + m.p.target_reporting_share * m.barrier["function_bound_targets"])
        return self.capacity_per_week * m.p.scale * (1.0 - min(burden, 0.95))

    # -- triage
    def triage(self, x: Contact):
        m = self.model
        self.week["arrivals"] += 1
        self.week["failure_demand"] += x.failure_demand
        if x.crisis or self.is_crisis_service:
            self.crisis_episode(x)
            return
        share = m.barrier["organisational_frameworks"] if x.via_referral else 1.0
        assessment = self.costs["assessment"] * share
        if not m.can_spend(self, assessment):
            self.week["refused"] += 1
            self.turn_away(x)
            return
        m.charge(self, x.citizen, x.domain, assessment, "assessment")
        c = x.citizen
        complexity = c.other_needs_above(x.domain, m.p.high_need)
        case = Case(c, x.domain, m.tick)
        if complexity > self.policy.complexity_cap:
            self.week["parked"] += 1
            self.turn_away(x)
        elif c.needs[x.domain] >= self.policy.eligibility_threshold:
            self.queue.append(case)
            self.accept(x)
        elif self.prevention_has_room():
            self.prevention_queue.append(case)
            self.accept(x)
        else:
            self.week["refused"] += 1
            self.turn_away(x)

    def accept(self, x: Contact):
        self.week["accepted"] += 1
        x.citizen.open_case(self, x.domain)

    def prevention_has_room(self) -> bool:
        reserve = self.policy.prevention_capacity_share * self.frontline_capacity()
        return (len(self.prevention_queue) + 1) * self.policy.intensity <= max(reserve, 0.0) + self.carry

    def turn_away(self, x: Contact):
        c = x.citizen
        c.blame_on(x.domain, self)
        c.learn(self, 0.0)
        if c.open_agency is self or x.via_referral:
            c.close_case()
        self.maybe_refer(c, x.domain, self.policy.referral_propensity)

    def crisis_episode(self, x: Contact):
        m = self.model
        self.week["crisis_events"] += 1
        if m.counting:
            m.crisis_events[self.index] += 1
        m.charge(self, x.citizen, x.domain, self.costs["crisis"], "crisis")
        c = x.citizen
        c.needs[x.domain] = max(0.0, c.needs[x.domain] - self.efficacy)
        c.learn(self, m.p.reward_partial)
        if c.needs[x.domain] > m.p.need_threshold and c.open_agency is None:
            self.maybe_refer(c, x.domain, self.policy.referral_propensity)

    def maybe_refer(self, c: Citizen, d: int, chance: float):
        to = self.model.referral_target(d, self)
        if to is not None and self.random.random() < chance:
            self.model.make_referral(self, to, c, d)

    # -- service
    def serve(self):
        m = self.model
        nominal = self.frontline_capacity()
        self.week["capacity"] = nominal
        if self.is_crisis_service:
            self.week["work_done"] = self.week["crisis_events"]
            return
        self.give_up_waiting()
        left = nominal + self.carry - self.handoff_owed
        self.handoff_owed = 0.0
        prevention_left = self.policy.prevention_capacity_share * nominal
        blocked_by_work = False
        for prevention, queue in ((True, self.prevention_queue), (False, self.queue)):
            while queue:
                case = queue[0]
                work, cost = self.case_effort(case)
                if work > left or (prevention and prevention_left <= 0.0):
                    blocked_by_work = work > left
                    break
                if not m.can_spend(self, cost):
                    break
                queue.popleft()
                if prevention:
                    prevention_left -= work
                left -= work
                self.week["work_done"] += work
                self.depart(case)
                m.charge(self, case.citizen, case.domain, cost, "prevention" if prevention else "intervention")
                self.help(case)
        self.carry = max(left, 0.0) if blocked_by_work else min(max(left, 0.0), 1.0)

    def case_effort(self, case: Case) -> tuple[float, float]:
        m = self.model
        others = case.citizen.other_needs_above(case.domain, m.p.need_threshold)
        scale = self.policy.intensity * (1.0 + m.p.coordination_cost * m.lead_share() * others)
        return scale, self.costs["intervention"] * scale

    def depart(self, case: Case):
        self.week["departures"] += 1
        self.week["wait_sum"] += self.model.tick - case.since
        self.week["served"] += 1
        case.citizen.close_case()

    def help(self, case: Case):
        m = self.model
        p = m.p
        c, d = case.citizen, case.domain
        effect = self.efficacy * self.policy.intensity
        lead = m.lead_share()
        for e in range(p.n_domains):
            if e != d and c.needs[e] > p.need_threshold:
                c.needs[e] = max(0.0, c.needs[e] - effect * p.lead_professional_efficacy * lead)
        c.needs[d] = max(0.0, c.needs[d] - effect)
        if c.needs[d] < p.need_threshold:
            c.blame[d] = None
            c.learn(self, p.reward_resolved)
        else:
            c.blame_on(d, self)
            c.learn(self, p.reward_partial)
        high = [e for e in range(p.n_domains) if e != d and c.needs[e] > p.high_need]
        if high:
            other = max(high, key=lambda e: (c.needs[e], -e))
            chance = self.policy.referral_propensity * m.barrier["professional_boundaries"]
            self.maybe_refer(c, other, chance)

    def give_up_waiting(self):
        m = self.model
        for queue in (self.prevention_queue, self.queue):
            while queue and m.tick - queue[0].since >= m.p.max_wait_weeks:
                case = queue.popleft()
                self.week["departures"] += 1
                self.week["wait_sum"] += m.tick - case.since
                self.week["reneged"] += 1
                case.citizen.close_case()
                case.citizen.blame_on(case.domain, self)
                case.citizen.learn(self, 0.0)

    # -- KPIs and adaptation
    def close_week(self):
        w = self.week
        q = self.quarter
        q.arrivals += w["arrivals"]
        q.failure_demand += w["failure_demand"]
        q.departures += w["departures"]
        q.wait_sum += w["wait_sum"]
        q.refused += w["refused"] + w["parked"] + w["reneged"]
        q.spend += w["spend"]
        turned_away = w["refused"] + w["parked"] + w["reneged"]
        self.year.unmet_value += turned_away * self.costs["intervention"] * self.model.p.weight

    def close_quarter(self):
        q, self.quarter = self.quarter, Quarter()
        q.allowance = self.year.allowance / 4.0
        self.history.append(q)
        while len(self.history) > self.model.p.kpi_window_quarters:
            self.history.popleft()

    def window(self) -> Quarter:
        t = Quarter()
        for q in self.history:
            for name in vars(t):
                setattr(t, name, getattr(t, name) + getattr(q, name))
        return t

    def adapt(self, place_spend: float, place_allowance: float):
        m = self.model
        p = m.p
        self.culture += min(max(p.culture_rate, 0.0), 1.0) * (m.whole_systems_weight - self.culture)
        if self.is_crisis_service:
            return
        own = self.window()
        ring = m.barrier["ring_fenced_budgets"]
        targets = m.barrier["function_bound_targets"]
        place_budget = ratio_less_one(place_spend, place_allowance)
        budget = ring * ratio_less_one(own.spend, own.allowance) + (1.0 - ring) * place_budget
        mean_wait = own.wait_sum / own.departures if own.departures else 0.0
        wait = ratio_less_one(mean_wait, self.wait_target)
        repeat = own.failure_demand / own.arrivals if own.arrivals else 0.0
        harm = min(own.shifted_out / own.spend, 1.0) if own.spend > 0 else 0.0
        own_view = targets * (budget + wait + p.throughput_pull) + (1.0 - targets) * (budget - repeat)
        place_view = place_budget - p.harm_gain * harm
        t = clamp((1.0 - self.culture) * own_view + self.culture * place_view, -1.0, 1.0) * p.learning_rate
        pol = self.policy
        pol.eligibility_threshold = clamp(pol.eligibility_threshold + p.threshold_step * t, *p.threshold_range)
        pol.prevention_capacity_share = clamp(pol.prevention_capacity_share - p.prevention_step * t,
                                              *p.prevention_range)
        pol.intensity = clamp(pol.intensity - p.intensity_step * t, *p.intensity_range)
        pol.complexity_cap = clamp(pol.complexity_cap - p.complexity_cap_step * t, *p.complexity_cap_range)
        pol.referral_propensity = clamp(pol.referral_propensity - p.referral_step * t, 0.0, 1.0)


def clamp(x: float, lo: float, hi: float) -> float:
    return min(max(x, lo), hi)


def ratio_less_one(x: float, y: float) -> float:
    return clamp(x / y - 1.0, -1.0, 1.0) if y > 0 else 0.0


# ---------------------------------------------------------------- the place


@dataclass
class Settings:
    """The scenario's numbers, flattened for the model's use."""

    residents: int
    population: int
    warmup: int
    weeks: int
    discount_rate: float
    weight: float = field(init=False)
    scale: float = field(init=False)

    def __post_init__(self):
        self.weight = self.residents / self.population
        self.scale = self.population / self.residents


def settings(scenario: dict, population: int | None, weeks: int | None, warmup: int | None) -> Settings:
    place = scenario["place"]
    s = Settings(
        residents=place["residents"],
        population=population or place["population"],
        warmup=place["warmup_weeks"] if warmup is None else warmup,
        weeks=weeks or place["weeks"],
        discount_rate=place["discount_rate"],
    )
    needs = scenario["needs"]
    domains = list(needs["domains"])
    agencies = list(scenario["agencies"])
    s.n_domains = len(domains)
    s.domain_index = {d: i for i, d in enumerate(domains)}
    s.base_hazard = [needs["domains"][d]["base_hazard"] for d in domains]
    s.crisis_agency = [agencies.index(needs["domains"][d]["crisis_service"]) for d in domains]
    s.coupling = [needs["coupling"][d] for d in domains]
    for k in ("need_threshold", "high_need", "crisis_level", "shock_min", "shock_max", "recovery_rate"):
        setattr(s, k, needs[k])
    s.failure_window = needs["failure_window_weeks"]
    s.attribution_window = needs["attribution_window_weeks"]
    cit = scenario["citizens"]
    s.risk_sigma, s.resilience, s.help_threshold = cit["risk_sigma"], cit["resilience"], cit["help_threshold"]
    s.initial_need = cit["initial_need"]
    learning = cit["learning"]
    s.forgetting, s.propensity_floor = learning["forgetting"], learning["propensity_floor"]
    s.reward_resolved, s.reward_partial = learning["reward_resolved"], learning["reward_partial"]
    b = scenario["barriers"]
    s.board_running_cost = b["ring_fenced_budgets"]["board_running_cost_per_year"]
    s.target_reporting_share = b["function_bound_targets"]["target_reporting_share"]
    s.shared_outcomes_cost = b["function_bound_targets"]["shared_outcomes_cost_per_year"]
    s.coordination_cost = b["professional_boundaries"]["coordination_cost"]
    s.lead_professional_efficacy = b["professional_boundaries"]["lead_professional_efficacy"]
    f = b["organisational_frameworks"]
    s.referral_delay_weeks, s.referral_loss, s.handoff_work = f["referral_delay_weeks"], f["referral_loss"], f["handoff_work"]
    s.shared_assessment_setup = f["shared_assessment_setup"]
    s.shared_assessment_running = f["shared_assessment_running_per_year"]
    s.reporting_share = b["frontline_burden"]["reporting_share"]
    s.light_assurance_cost = b["frontline_burden"]["light_assurance_cost_per_year"]
    lead = scenario["leadership"]
    s.culture_rate, s.learning_rate = lead["culture_rate"], lead["learning_rate"]
    s.kpi_window_quarters = lead["kpi_window_quarters"]
    for k, v in scenario["adaptation"].items():
        setattr(s, k, tuple(v) if isinstance(v, list) else v)
    return s


class Place(mesa.Model):
    """One place: citizens, agencies, the board, and the weekly step."""

    def __init__(self, scenario: str | dict, seed: int = 1, population: int | None = None,
                 weeks: int | None = None, warmup: int | None = None, shuffle: bool = True):
        super().__init__(seed=seed)
        # Mesa's idiom is a shuffled order each week; `shuffle=False` keeps
        # creation order, as placesim triages contacts in citizen order.
        self.shuffle = shuffle
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        self.p = settings(scenario, population, weeks, warmup)
        self.barrier = {k: scenario["barriers"][k]["strength"] for k in BARRIERS}
        self.whole_systems_weight = scenario["leadership"]["whole_systems_weight"]
        self.tick = 0
        total_budget = sum(a["budget_per_year"] for a in scenario["agencies"].values())
        self.agency_list = [
            Agency(self, i, key, spec, spec["budget_per_year"] / total_budget)
            for i, (key, spec) in enumerate(scenario["agencies"].items())
        ]
        for _ in range(self.p.population):
            Citizen(self)
        self.citizens = self.agents_by_type[Citizen]
        n = len(self.agency_list)
        self.contacts: list[Contact] = []
        self.referred: list[Contact] = []
        self.referrals: list[Referral] = []
        self.pool_carry = 0.0
        self.setup_floor = 1.0
        self.pending_setup = 0.0
        self.discount = 1.0
        self.counting = False
        # Run-level totals after warm-up.
        self.spend_by_agency = [0.0] * n
        self.board_spend = 0.0
        self.crisis_events = [0] * n
        self.contacts_total = 0
        self.failure_demand_total = 0
        self.wellbeing_total = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "crisis_events": lambda m: sum(m.crisis_events) * m.p.weight,
            "failure_demand_share": lambda m: (m.failure_demand_total / m.contacts_total
                                               if m.contacts_total else 0.0),
            "total_spend": lambda m: sum(m.spend_by_agency) + m.board_spend,
            "mean_wellbeing": lambda m: m.wellbeing_total / (max(m.tick - m.p.warmup, 1) * m.p.residents),
        })

    # -- the week
    def step(self):
        self.begin_week()
        if self.shuffle:
            self.citizens.shuffle_do("step")
        else:
            self.citizens.do("step")
        referred, self.referred = self.referred, []
        contacts, self.contacts = self.contacts, []
        for x in referred + contacts:
            x.agency.triage(x)
        for agency in self.agency_list:
            agency.serve()
        self.deliver_referrals()
        self.finance()
        if self.tick % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1:
            self.adapt()
        self.record(len(referred))
        self.tick += 1
        self.datacollector.collect(self)
        if self.tick >= self.p.warmup + self.p.weeks:
            self.running = False

    def begin_week(self):
        self.counting = self.tick >= self.p.warmup
        self.week_wellbeing = 0.0
        self.week_unmet = 0
        self.week_multiple_needs = 0
        for a in self.agency_list:
            a.week = new_week()
        if self.tick % WEEKS_PER_YEAR == 0:
            for a in self.agency_list:
                a.year = Year()
            self.set_allowances()
        years = max(self.tick - self.p.warmup, 0) / WEEKS_PER_YEAR
        self.discount = (1.0 + self.p.discount_rate) ** -years

    def set_allowances(self):
        ring = self.barrier["ring_fenced_budgets"]
        total = sum(a.budget for a in self.agency_list)
        pool = max((1.0 - ring) * total + self.pool_carry - self.board_annual_cost(), 0.0)
        for a in self.agency_list:
            a.year.allowance = ring * a.budget + a.pool_share * pool

    def board_annual_cost(self) -> float:
        b, p = self.barrier, self.p
        return (p.board_running_cost * (1 - b["ring_fenced_budgets"])
                + p.shared_outcomes_cost * (1 - b["function_bound_targets"])
                + p.shared_assessment_running * (1 - b["organisational_frameworks"])
                + p.light_assurance_cost * (1 - b["frontline_burden"]))

    def lead_share(self) -> float:
        return 1.0 - self.barrier["professional_boundaries"]

    # -- money
    def can_spend(self, agency: Agency, unit_cost: float) -> bool:
        amount = unit_cost * self.p.weight
        pace = ((self.tick % WEEKS_PER_YEAR) // WEEKS_PER_QUARTER + 1) / 4.0
        own = agency.year.allowance * pace - agency.year.spend
        place = sum(a.year.allowance * pace - a.year.spend for a in self.agency_list)
        ring = self.barrier["ring_fenced_budgets"]
        return amount <= ring * own + (1.0 - ring) * place

    def charge(self, agency: Agency, c: Citizen, d: int, unit_cost: float, kind: str):
        amount = unit_cost * self.p.weight
        agency.week["spend"] += amount
        agency.year.spend += amount
        if kind == "crisis":
            agency.week["crisis_spend"] += amount
        elif kind == "prevention":
            agency.week["prevention_spend"] += amount
        cause = self.attribute(c, d)
        if cause is not None and cause is not agency:
            cause.quarter.shifted_out += amount
        if self.counting:
            self.spend_by_agency[agency.index] += amount * self.discount
            c.spend += unit_cost * self.discount

    def attribute(self, c: Citizen, d: int) -> Agency | None:
        """The agency that last failed this need, or the need coupling most into it."""
        p = self.p

        def recent(e):
            return c.blame[e] is not None and self.tick - c.blame_tick[e] <= p.attribution_window

        if recent(d):
            return c.blame[d]
        pulls = [(p.coupling[e][d] * c.needs[e], -e) for e in range(p.n_domains)
                 if e != d and p.coupling[e][d] * c.needs[e] > 0 and c.needs[e] > p.need_threshold and recent(e)]
        return c.blame[-max(pulls)[1]] if pulls else None

    # -- referrals
    def referral_target(self, d: int, sender: Agency) -> Agency | None:
        for role in ("specialist", "universal"):
            for a in self.agency_list:
                if a is not sender and a.role == role and d in a.remit:
                    return a
        return None

    def make_referral(self, sender: Agency, receiver: Agency, c: Citizen, d: int):
        frameworks = self.barrier["organisational_frameworks"]
        delay = math.floor(self.p.referral_delay_weeks * frameworks + 0.5)
        lost = self.random.random() < self.p.referral_loss * frameworks
        self.referrals.append(Referral(c, sender, receiver, d, self.tick + delay, lost))
        c.open_case(receiver, d)
        sender.week["referrals_made"] += 1
        sender.handoff_owed += self.p.handoff_work * (1.0 - frameworks)

    def deliver_referrals(self):
        due = [r for r in self.referrals if r.due <= self.tick]
        self.referrals = [r for r in self.referrals if r.due > self.tick]
        for r in due:
            r.citizen.close_case()
            if r.lost:
                r.sender.week["referrals_lost"] += 1
                r.citizen.lost_referral.add(r.domain)
                r.citizen.blame_on(r.domain, r.sender)
                r.citizen.learn(r.sender, 0.0)
            else:
                self.referred.append(Contact(r.citizen, r.receiver, r.domain, False, True, False))

    # -- the board's books, quarters and years
    def finance(self):
        frameworks = self.barrier["organisational_frameworks"]
        if frameworks < self.setup_floor:
            self.pending_setup += self.p.shared_assessment_setup * (self.setup_floor - frameworks)
            self.setup_floor = frameworks
        week_spend = self.board_annual_cost() / WEEKS_PER_YEAR
        if self.counting:
            week_spend += self.pending_setup
            self.pending_setup = 0.0
            self.board_spend += week_spend * self.discount
        for a in self.agency_list:
            a.close_week()
        week_of_year = self.tick % WEEKS_PER_YEAR
        if week_of_year % WEEKS_PER_QUARTER == WEEKS_PER_QUARTER - 1:
            for a in self.agency_list:
                a.close_quarter()
        if week_of_year == WEEKS_PER_YEAR - 1:
            self.close_year()

    def close_year(self):
        ring = self.barrier["ring_fenced_budgets"]
        underspend = sum(a.year.allowance - a.year.spend for a in self.agency_list)
        self.pool_carry = (1.0 - ring) * max(underspend, 0.0)
        demand = [a.year.spend + a.year.unmet_value for a in self.agency_list]
        if sum(demand) > 0:
            for a, d in zip(self.agency_list, demand):
                a.pool_share = d / sum(demand)

    def adapt(self):
        place_spend = sum(a.window().spend for a in self.agency_list)
        place_allowance = sum(a.window().allowance for a in self.agency_list)
        for a in self.agency_list:
            a.adapt(place_spend, place_allowance)

    def record(self, referral_arrivals: int):
        if not self.counting:
            return
        self.wellbeing_total += self.week_wellbeing * self.p.weight
        self.contacts_total += sum(a.week["arrivals"] for a in self.agency_list) - referral_arrivals
        self.failure_demand_total += sum(a.week["failure_demand"] for a in self.agency_list)

    def outcomes(self) -> dict:
        return self.datacollector.get_model_vars_dataframe().iloc[-1].to_dict()
