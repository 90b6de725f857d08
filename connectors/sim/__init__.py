"""The simulated Qianchuan-like ad platform: market families, platform rules, presets.

``SimulatedPlatform.from_scenario("demo", seed=1)`` gives an account with
history whose ``daily_stats`` mature like Qianchuan's reports and whose writes
obey the rules of ``connectors.rules``. What a day delivers comes from a market
family (``connectors.sim.families``: ``curves``, the default, ``pacing`` or
``cohort``; ``market="pacing"``). Presets live in ``config/scenarios``.
"""

from connectors.sim.families import MARKETS, market_names
from connectors.sim.platform import SimulatedPlatform
from connectors.sim.scenario import CampaignSpec, Scenario, list_scenarios, load_scenario, scenario_from_dict

__all__ = [
    "MARKETS",
    "CampaignSpec",
    "Scenario",
    "SimulatedPlatform",
    "list_scenarios",
    "load_scenario",
    "market_names",
    "scenario_from_dict",
]
