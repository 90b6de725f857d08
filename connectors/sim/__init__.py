"""The simulated Qianchuan-like ad platform: market model, platform rules, presets.

``SimulatedPlatform.from_scenario("demo", seed=1)`` gives an account with
history whose ``daily_stats`` mature like Qianchuan's reports and whose writes
obey the rules of ``connectors.rules``. Presets live in ``config/scenarios``.
"""

from connectors.sim.platform import SimulatedPlatform
from connectors.sim.scenario import CampaignSpec, Scenario, list_scenarios, load_scenario, scenario_from_dict

__all__ = ["CampaignSpec", "Scenario", "SimulatedPlatform", "list_scenarios", "load_scenario", "scenario_from_dict"]
