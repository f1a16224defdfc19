"""Catalogue of bad scenario.toml and --config TOML inputs, each with its pinned message.

Every case writes one TOML file (a scenario.toml of the toy scenario, or a
``--config`` file) and checks the whole message: the file, the key as written
in the file, the value and what is allowed. The other kinds of bad input (CSV,
GeoJSON, OSM) are in ``test_catalogue.py`` / ``test_bad_inputs.py``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from borderwatch import ConfigError, ScenarioError, ScenarioWarning, load_scenario
from borderwatch.config import OPTION_FIELDS, PlanConfig, load_config
from borderwatch.errors import ConfigWarning
from tests.helpers import write_toy_scenario

#: The toy scenario's scenario.toml (as tests/helpers.py writes it).
BASE = """name = "toy"
title = "Toy border"
timezone = "Asia/Shanghai"
official_border_km = 12.0

[night]
start = "20:00"
end = "06:00"

[defaults]
unit_length_m = 250.0
checkpoint_radius_m = 1500.0

[provenance]
all = "hand-written test data"
"""

_KNOWN_TOP = (
    "allow_outside_paths, crs, defaults, limits, name, night, official_border_km, provenance, "
    "roads, targets, timezone, title"
)
#: the [defaults] options an unknown-option message lists (sorted; grows with PlanConfig)
_KNOWN_OPTIONS = ", ".join(sorted(OPTION_FIELDS))


def top(line: str) -> str:
    """BASE with ``line`` as its first top-level key."""
    return line + "\n" + BASE


def sub(old: str, new: str) -> str:
    """BASE with ``old`` replaced by ``new``."""
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def add(text: str) -> str:
    """BASE with ``text`` (tables) appended."""
    return BASE + "\n" + text


#: name: (scenario.toml text, pinned message after "<path to scenario.toml>, ").
SCENARIO_CASES: dict[str, tuple[str, str]] = {
    # wrong types: a string, a number or a list where a table is expected
    "night is a string": (
        top('night = "20:00-06:00"').replace('[night]\nstart = "20:00"\nend = "06:00"\n', ""),
        "field 'night', value '20:00-06:00': [night] must be a table "
        '(start = "HH:MM", end = "HH:MM")',
    ),
    "defaults is a number": (
        top("defaults = 5").replace(
            "[defaults]\nunit_length_m = 250.0\ncheckpoint_radius_m = 1500.0\n", ""
        ),
        "field 'defaults', value 5: [defaults] must be a table (option = value)",
    ),
    "targets is a list": (
        top("targets = [30, 120]"),
        "field 'targets', value [30, 120]: [targets] must be a table "
        "(max_response_min, max_revisit_min)",
    ),
    "provenance is a string": (
        top('provenance = "mine"').replace('[provenance]\nall = "hand-written test data"\n', ""),
        "field 'provenance', value 'mine': [provenance] must be a table of layer = text",
    ),
    "provenance entry is a number": (
        sub('all = "hand-written test data"', "all = 5"),
        "field 'provenance.all', value 5: a provenance entry must be a string",
    ),
    # wrong types: a list or a number where a path is expected
    "roads is a list": (
        top('roads = ["roads.osm"]'),
        "field 'roads', value ['roads.osm']: roads must be a file path (a string) "
        "relative to the scenario folder",
    ),
    "roads is a number": (
        top("roads = 3"),
        "field 'roads', value 3: roads must be a file path (a string) relative to the "
        "scenario folder",
    ),
    "roads is empty": (
        top('roads = ""'),
        "field 'roads', value '': roads must be a file path (a string) relative to the "
        "scenario folder",
    ),
    "allow_outside_paths is a string": (
        top('allow_outside_paths = "yes"'),
        "field 'allow_outside_paths', value 'yes': allow_outside_paths must be true or false",
    ),
    # wrong types of scenario keys
    "timezone is a number": (
        sub('timezone = "Asia/Shanghai"', "timezone = 8"),
        "field 'timezone', value 8: timezone must be a string (an IANA name such as "
        "'Asia/Shanghai')",
    ),
    "title is a number": (
        sub('title = "Toy border"', "title = 5"),
        "field 'title', value 5: title must be a string (a human title)",
    ),
    "crs is a number": (
        top("crs = 32648"),
        "field 'crs', value 32648: crs must be a string (e.g. 'EPSG:32648')",
    ),
    "crs in feet": (
        top('crs = "EPSG:2263"'),
        "field 'crs', value 'EPSG:2263': crs must measure in metres, not US survey foot",
    ),
    "official km is a string": (
        sub("official_border_km = 12.0", 'official_border_km = "12"'),
        "field 'official_border_km', value '12': official_border_km must be a positive number",
    ),
    "official km is 1e9": (
        sub("official_border_km = 12.0", "official_border_km = 1e9"),
        "field 'official_border_km', value 1000000000.0: official_border_km must be a "
        "positive number",
    ),
    "name is empty": (
        sub('name = "toy"', 'name = ""'),
        "field 'name', value '': name must be a non-empty string",
    ),
    # unknown keys and typos anywhere, with the nearest known key
    "timezoen": (
        sub('timezone = "Asia/Shanghai"', 'timezoen = "Asia/Shanghai"'),
        "field 'timezoen', value 'Asia/Shanghai': unknown key; did you mean 'timezone'? "
        f"known: {_KNOWN_TOP}",
    ),
    "tittle": (
        sub('title = "Toy border"', 'tittle = "Toy border"'),
        f"field 'tittle', value 'Toy border': unknown key; did you mean 'title'? known: {_KNOWN_TOP}",
    ),
    "unknown top-level key": (
        top("colour = 'red'"),
        f"field 'colour', value 'red': unknown key; known: {_KNOWN_TOP}",
    ),
    "misspelt night table": (
        sub("[night]", "[nigth]"),
        "field 'nigth', value {'start': '20:00', 'end': '06:00'}: unknown key; "
        f"did you mean 'night'? known: {_KNOWN_TOP}",
    ),
    "misspelt night start": (
        sub('start = "20:00"', 'strat = "20:00"'),
        "field 'night.strat', value '20:00': unknown key; did you mean 'start'? known: end, start",
    ),
    "misspelt night end": (
        sub('end = "06:00"', 'ends = "06:00"'),
        "field 'night.ends', value '06:00': unknown key; did you mean 'end'? known: end, start",
    ),
    "misspelt default option": (
        sub("unit_length_m = 250.0", "unit_lenght_m = 250.0"),
        "field 'defaults.unit_lenght_m', value 250.0: unknown option; did you mean "
        f"'unit_length_m'? known: {_KNOWN_OPTIONS}",
    ),
    "misspelt target": (
        add("[targets]\nmax_revist_min = 90\n"),
        "field 'targets.max_revist_min', value 90: unknown key; did you mean "
        "'max_revisit_min'? known: max_response_min, max_revisit_min",
    ),
    # time zone
    "unknown time zone": (
        sub('timezone = "Asia/Shanghai"', 'timezone = "Asia/Atlantis"'),
        "field 'timezone', value 'Asia/Atlantis': unknown IANA time zone (e.g. 'Asia/Shanghai')",
    ),
    "time zone path": (
        sub('timezone = "Asia/Shanghai"', 'timezone = "../../etc/passwd"'),
        "field 'timezone', value '../../etc/passwd': unknown IANA time zone (e.g. 'Asia/Shanghai')",
    ),
    # the night window
    "night end equals start": (
        sub('end = "06:00"', 'end = "20:00"'),
        "field 'night.end', value '20:00': night window is empty: night_end equals night_start",
    ),
    "night of 30 hours": (
        sub('end = "06:00"', 'end = "30:00"'),
        "field 'night.end', value '30:00': night_end must be a time of day as 'HH:MM' "
        "(00:00-23:59)",
    ),
    "night start 25:00": (
        sub('start = "20:00"', 'start = "25:00"'),
        "field 'night.start', value '25:00': night_start must be a time of day as 'HH:MM' "
        "(00:00-23:59)",
    ),
    "night start a number": (
        sub('start = "20:00"', "start = 2000"),
        "field 'night.start', value 2000: night_start must be a time of day as 'HH:MM' "
        "(00:00-23:59)",
    ),
    "night start 8pm": (
        sub('start = "20:00"', 'start = "8pm"'),
        "field 'night.start', value '8pm': night_start must be a time of day as 'HH:MM' "
        "(00:00-23:59)",
    ),
    "night given twice": (
        top('night_start = "21:00"'),
        "field 'night.start', value '20:00': given twice: as night_start and as night.start",
    ),
    # sanity ranges
    "checkpoint radius 1e9": (
        sub("checkpoint_radius_m = 1500.0", "checkpoint_radius_m = 1e9"),
        "field 'defaults.checkpoint_radius_m', value 1000000000.0: checkpoint_radius_m must be "
        "between 10 and 50000 m",
    ),
    "patrol view 1 m": (
        add("").replace("[defaults]\n", "[defaults]\npatrol_view_m = 1\n"),
        "field 'defaults.patrol_view_m', value 1: patrol_view_m must be between 5 and 20000 m",
    ),
    "unit length 1e6": (
        sub("unit_length_m = 250.0", "unit_length_m = 1e6"),
        "field 'defaults.unit_length_m', value 1000000.0: unit_length_m must be between 5 and "
        "5000 m",
    ),
    "unit length 0": (
        sub("unit_length_m = 250.0", "unit_length_m = 0"),
        "field 'defaults.unit_length_m', value 0: unit_length_m must be greater than 0",
    ),
    "unit length a string": (
        sub("unit_length_m = 250.0", 'unit_length_m = "long"'),
        "field 'defaults.unit_length_m', value 'long': unit_length_m must be a finite number",
    ),
    "walk detour 50": (
        add("").replace("[defaults]\n", "[defaults]\nwalk_detour = 50\n"),
        "field 'defaults.walk_detour', value 50: walk_detour must be between 1 and 10",
    ),
    "seed negative": (
        add("").replace("[defaults]\n", "[defaults]\nseed = -1\n"),
        "field 'defaults.seed', value -1: seed must be a non-negative integer",
    ),
    "seed a float": (
        add("").replace("[defaults]\n", "[defaults]\nseed = 1.5\n"),
        "field 'defaults.seed', value 1.5: seed must be a non-negative integer",
    ),
    # vehicle profiles
    "profile speed a string": (
        add('[defaults.profiles.pickup]\ntrunk = "fast"\n'),
        "field 'defaults.profiles.pickup.trunk', value 'fast': speed of vehicle profile "
        "'pickup' on highway class 'trunk' must be a positive number of km/h",
    ),
    "profile speed 1e6": (
        add("[defaults.profiles.pickup]\ntrunk = 1e6\n"),
        "field 'defaults.profiles.pickup.trunk', value 1000000.0: speed_kmh must be between "
        "0.5 and 300 km/h",
    ),
    "profile speed true": (
        add("[defaults.profiles.pickup]\ntrunk = true\n"),
        "field 'defaults.profiles.pickup.trunk', value True: speed of vehicle profile 'pickup' "
        "on highway class 'trunk' must be a positive number of km/h",
    ),
    "profile a string": (
        add("").replace("[defaults]\n", '[defaults]\nprofiles = { pickup = "fast" }\n'),
        "field 'defaults.profiles.pickup', value 'fast': a profile must be a table of "
        "highway = km/h",
    ),
    "profiles a number": (
        add("").replace("[defaults]\n", "[defaults]\nprofiles = 3\n"),
        "field 'defaults.profiles', value 3: profiles must be a table of profile name = "
        "{highway = km/h}",
    ),
    # targets
    "revisit target a string": (
        add('[targets]\nmax_revisit_min = "2h"\n'),
        "field 'targets.max_revisit_min', value '2h': max_revisit_min must be a finite number",
    ),
    "revisit target 0": (
        add("[targets]\nmax_revisit_min = 0\n"),
        "field 'targets.max_revisit_min', value 0: max_revisit_min must be greater than 0",
    ),
    "response target a week": (
        add("[targets]\nmax_response_min = 10080\n"),
        "field 'targets.max_response_min', value 10080: max_response_min must be between 1 "
        "and 1440 min",
    ),
    # paths that leave the scenario folder
    "roads path up and out": (
        top('roads = "../elsewhere/roads.osm"'),
        "field 'roads', value '../elsewhere/roads.osm': path leaves the scenario folder "
        "{folder}; keep the file inside it or set allow_outside_paths = true",
    ),
    "roads absolute path": (
        top('roads = "/etc/hosts"'),
        "field 'roads', value '/etc/hosts': path leaves the scenario folder {folder}; keep "
        "the file inside it or set allow_outside_paths = true",
    ),
}


def _scenario(tmp_path: Path, text: str) -> Path:
    folder = write_toy_scenario(tmp_path / "toy")
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_scenario_toml_catalogue(tmp_path: Path, case: str) -> None:
    text, pinned = SCENARIO_CASES[case]
    folder = _scenario(tmp_path, text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScenarioWarning)  # the old-form warning of "twice"
        with pytest.raises(ScenarioError) as info:
            load_scenario(folder)
    meta = folder / "scenario.toml"
    assert str(info.value) == f"{meta}, " + pinned.replace("{folder}", str(folder))
    assert info.value.file == str(meta)


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = write_toy_scenario(tmp_path / "toy")
    outside = tmp_path / "elsewhere.osm"
    (folder / "roads.osm").rename(outside)
    (folder / "roads.osm").symlink_to(outside)
    with pytest.raises(ScenarioError, match="path leaves the scenario folder") as info:
        load_scenario(folder)
    assert info.value.field == "roads" and info.value.value == "roads.osm"


def test_outside_path_allowed_when_set(tmp_path: Path) -> None:
    folder = write_toy_scenario(tmp_path / "toy")
    (folder / "roads.osm").rename(tmp_path / "shared.osm")
    text = top('roads = "../shared.osm"\nallow_outside_paths = true')
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    scenario = load_scenario(folder)
    assert scenario.roads.number_of_edges() > 0


def test_roads_path_inside_the_folder(tmp_path: Path) -> None:
    folder = write_toy_scenario(tmp_path / "toy")
    (folder / "osm").mkdir()
    (folder / "roads.osm").rename(folder / "osm" / "county.osm")
    (folder / "scenario.toml").write_text(top('roads = "osm/county.osm"'), encoding="utf-8")
    assert load_scenario(folder).roads.number_of_edges() > 0


def test_neighbouring_utm_zone_is_accepted(tmp_path: Path) -> None:
    assert load_scenario(_scenario(tmp_path, top('crs = "EPSG:32649"'))).crs == "EPSG:32649"


def test_overnight_night_is_ten_hours(tmp_path: Path) -> None:
    scenario = load_scenario(_scenario(tmp_path, BASE))
    cfg = scenario.default_config()
    assert (cfg.night_start, cfg.night_end, cfg.night_minutes) == ("20:00", "06:00", 600.0)


def test_23_hour_night_warns(tmp_path: Path) -> None:
    folder = _scenario(
        tmp_path, sub('start = "20:00"\nend = "06:00"', 'start = "06:00"\nend = "05:00"')
    )
    with pytest.warns(ScenarioWarning) as record:
        scenario = load_scenario(folder)
    assert str(record[0].message) == (
        f"{folder / 'scenario.toml'}: night 06:00-05:00 is 23 h long (an end before the "
        "start is on the next day); check [night] start and end"
    )
    assert scenario.default_config().night_minutes == 23 * 60


def test_old_flat_night_in_scenario_warns_and_is_read(tmp_path: Path) -> None:
    text = top('night_start = "21:00"').replace('start = "20:00"\n', "")
    folder = _scenario(tmp_path, text)
    with pytest.warns(
        ScenarioWarning, match=r"old flat form: write night_start as \[night\] start"
    ):
        scenario = load_scenario(folder)
    assert scenario.night_window.pair == ("21:00", "06:00")


def test_old_flat_night_in_defaults_warns_and_is_read(tmp_path: Path) -> None:
    text = sub('start = "20:00"\n', "").replace(
        "[defaults]\n", '[defaults]\nnight_start = "22:00"\n'
    )
    with pytest.warns(ScenarioWarning, match=r"write \[defaults\] night_start as \[night\] start"):
        scenario = load_scenario(_scenario(tmp_path, text))
    assert scenario.night_window.pair == ("22:00", "06:00")


def test_targets_table_reaches_the_config(tmp_path: Path) -> None:
    folder = _scenario(tmp_path, add("[targets]\nmax_revisit_min = 90\n"))
    cfg = load_scenario(folder).default_config()
    assert cfg.targets.max_revisit_min == 90 and cfg.targets.max_response_min == 30


#: name: (config file text, pinned message after "<path to plan.toml>, ").
CONFIG_CASES: dict[str, tuple[str, str]] = {
    "config night is a string": (
        'night = "21:00"\n',
        "option 'night', value '21:00': [night] must be a table "
        '(start = "HH:MM", end = "HH:MM")',
    ),
    "config misspelt night key": (
        '[night]\nstart = "21:00"\nned = "05:00"\n',
        "option 'night.ned', value '05:00': unknown key; did you mean 'end'? known: end, start",
    ),
    "config misspelt table": (
        "[defualts]\nunit_length_m = 100\n",
        "option 'defualts', value {'unit_length_m': 100}: unknown key; did you mean "
        "'defaults'? known: defaults, limits, night, targets",
    ),
    "config scenario key": (
        'timezone = "Asia/Shanghai"\n',
        "option 'timezone', value 'Asia/Shanghai': unknown key; known: defaults, limits, night, targets",
    ),
    "config misspelt option": (
        "[defaults]\ncheckpoint_raduis_m = 1000\n",
        "option 'defaults.checkpoint_raduis_m', value 1000: unknown option; did you mean "
        f"'checkpoint_radius_m'? known: {_KNOWN_OPTIONS}",
    ),
    "config radius 1e9": (
        "[defaults]\ncheckpoint_radius_m = 1e9\n",
        "option 'defaults.checkpoint_radius_m', value 1000000000.0: checkpoint_radius_m must "
        "be between 10 and 50000 m",
    ),
    "config view 1e9": (
        "[defaults]\npatrol_view_m = 1e9\n",
        "option 'defaults.patrol_view_m', value 1000000000.0: patrol_view_m must be between 5 "
        "and 20000 m",
    ),
    "config profile speed a string": (
        '[defaults.profiles.quad]\ntrack = "30 km/h"\n',
        "option 'defaults.profiles.quad.track', value '30 km/h': speed of vehicle profile "
        "'quad' on highway class 'track' must be a positive number of km/h",
    ),
    "config old flat profile speed a string": (
        '[profiles.quad]\ntrack = "fast"\n',
        "option 'profiles.quad.track', value 'fast': speed of vehicle profile 'quad' on "
        "highway class 'track' must be a positive number of km/h",
    ),
    "config target a list": (
        "[targets]\nmax_revisit_min = [90]\n",
        "option 'targets.max_revisit_min', value [90]: max_revisit_min must be a finite number",
    ),
    "config empty night": (
        '[night]\nstart = "21:00"\nend = "21:00"\n',
        "option 'night.end', value '21:00': night window is empty: night_end equals night_start",
    ),
    "config night given twice": (
        'night_start = "21:00"\n[night]\nstart = "22:00"\n',
        "option 'night.start', value '22:00': given twice: as night_start and as night.start",
    ),
    "config old flat bad value": (
        "unit_length_m = -1\n",
        "option 'unit_length_m', value -1: unit_length_m must be greater than 0",
    ),
    "config seed true": (
        "[defaults]\nseed = true\n",
        "option 'defaults.seed', value True: seed must be a non-negative integer",
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_toml_catalogue(tmp_path: Path, case: str) -> None:
    text, pinned = CONFIG_CASES[case]
    path = tmp_path / "plan.toml"
    path.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)  # old flat form
        with pytest.raises(ConfigError) as info:
            load_config(path)
    assert str(info.value) == f"{path}, {pinned}"


def test_config_sectioned_form(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        '[night]\nstart = "21:00"\nend = "05:00"\n\n[defaults]\nunit_length_m = 500\n\n'
        "[defaults.profiles.quad]\ntrack = 30\n\n[targets]\nmax_revisit_min = 90\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = load_config(path, base=PlanConfig(checkpoint_radius_m=900))
    assert (cfg.night_start, cfg.night_end, cfg.night_minutes) == ("21:00", "05:00", 480.0)
    assert cfg.unit_length_m == 500 and cfg.checkpoint_radius_m == 900
    assert cfg.profile("quad").speeds_kmh == {"track": 30.0}
    assert cfg.targets.max_revisit_min == 90


def test_config_old_flat_form_warns_and_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        'night_start = "21:00"\nunit_length_m = 500\n[profiles.quad]\ntrack = 30\n',
        encoding="utf-8",
    )
    with pytest.warns(ConfigWarning) as record:
        cfg = load_config(path)
    assert str(record[0].message) == (
        f"{path}: old flat form: write night_start as [night] start, unit_length_m as "
        "[defaults] unit_length_m, [profiles.NAME] as [defaults.profiles.NAME] "
        "(README, section Configuration)"
    )
    assert (cfg.night_start, cfg.unit_length_m) == ("21:00", 500)
    assert cfg.profile("quad").speeds_kmh == {"track": 30.0}


def test_config_23_hour_night_warns(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text('[night]\nstart = "06:00"\nend = "05:00"\n', encoding="utf-8")
    with pytest.warns(ConfigWarning, match="night 06:00-05:00 is 23 h long"):
        assert load_config(path).night_minutes == 23 * 60


def test_same_format_for_scenario_and_config(tmp_path: Path) -> None:
    """The planning tables of a scenario.toml, given as --config, give the same PlanConfig."""
    text = sub('start = "20:00"', 'start = "21:30"').replace(
        "[provenance]", "[targets]\nmax_response_min = 45\n\n[provenance]"
    )
    folder = _scenario(tmp_path, text)
    from_scenario = load_scenario(folder).default_config()
    planning = text.split("[night]", 1)[1].split("[provenance]", 1)[0]
    path = tmp_path / "plan.toml"
    path.write_text("[night]" + planning, encoding="utf-8")
    assert load_config(path) == from_scenario


def test_catalogue_size() -> None:
    assert len(SCENARIO_CASES) + len(CONFIG_CASES) >= 30
