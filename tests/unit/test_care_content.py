"""The care content: sourced support lines, guides, programs, and the corrections to the catalog."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from selfkind.content.care import check_programs, load_guides, load_programs, load_support_content
from selfkind.content.catalog import load_catalog_content
from selfkind.content.progress import load_instruments, load_prompts
from selfkind.domain.reminder_content import suggestable_exercises
from selfkind.models.catalog import Approach, Category, ExerciseContent, LocalizedText
from selfkind.models.programs import ProgramContent
from selfkind.models.support import CountrySupportContent

CATALOG = load_catalog_content()
EXERCISES = {exercise.id: exercise for exercise in CATALOG.exercises}
SUPPORT = load_support_content()
A_YEAR = timedelta(days=365)


def _all_texts(value: object) -> list[LocalizedText]:
    if isinstance(value, LocalizedText):
        return [value]
    if isinstance(value, tuple):
        return [text for item in value for text in _all_texts(item)]
    if isinstance(value, BaseModel):
        return [text for name in type(value).model_fields for text in _all_texts(getattr(value, name))]
    return []


# --- support lines ---


@pytest.mark.parametrize("country", ["US", "CA", "GB", "IE", "AU", "NZ"])
def test_the_promised_english_speaking_countries_have_a_line_and_an_emergency_number(country: str) -> None:
    entry = next(entry for entry in SUPPORT.countries if entry.country == country)
    assert entry.emergency is not None
    assert entry.lines


def test_every_number_names_its_official_source_read_within_the_last_year() -> None:
    dated = [(SUPPORT.directory.source, SUPPORT.directory.verified_on)]
    for entry in SUPPORT.countries:
        if entry.emergency:
            dated.append((entry.emergency.source, entry.emergency.verified_on))
        dated += [(line.source, line.verified_on) for line in entry.lines]
    for source, verified_on in dated:
        assert source.scheme == "https", source
        assert date.today() - A_YEAR < verified_on <= date.today(), source


# Each source must be the service's own page or a government's; an entry whose official page could
# not be read names the page it was read from and says so in its note (issue 15's rule).
OWN_OR_GOVERNMENT = {
    "US": ("988lifeline.org", "fcc.gov"),
    "CA": ("canada.ca", "988.ca"),
    "GB": ("samaritans.org", "nhs.uk", "gov.uk"),
    "IE": ("samaritans.org", "gov.ie"),
    "AU": ("lifeline.org.au", "lifelineh2h.org.au", "gov.au"),
    "NZ": ("1737.org.nz", "govt.nz"),
    "ES": ("sanidad.gob.es", "gob.es", "boe.es"),
    "MX": ("gob.mx",),
}
READ_ELSEWHERE = {("ES", "024"), ("MX", "800 911 2000")}


def _on(host: str | None, domains: tuple[str, ...]) -> bool:
    return host is not None and any(host == domain or host.endswith("." + domain) for domain in domains)


@pytest.mark.parametrize("entry", SUPPORT.countries, ids=lambda entry: entry.country)
def test_every_source_is_the_services_own_page_or_a_governments(entry: CountrySupportContent) -> None:
    domains = OWN_OR_GOVERNMENT[entry.country]
    if entry.emergency:
        assert _on(entry.emergency.source.host, domains), entry.emergency.source
    for line in entry.lines:
        if (entry.country, line.phone) in READ_ELSEWHERE:
            assert line.note is not None
            assert "could not be read here" in line.note.en, line.name.en
            assert "no se pudo leer aquí" in line.note.es, line.name.es
        else:
            assert _on(line.source.host, domains), line.source
        if line.chat_url:
            assert _on(line.chat_url.host, domains), line.chat_url


def test_the_directory_is_find_a_helpline_itself() -> None:
    assert str(SUPPORT.directory.url).rstrip("/") == "https://findahelpline.com"
    assert SUPPORT.directory.source.host == "findahelpline.com"


@pytest.mark.parametrize(("country", "phone"), [("ES", "024"), ("MX", "800 911 2000")])
def test_spain_and_mexico_have_their_crisis_line(country: str, phone: str) -> None:
    entry = next(entry for entry in SUPPORT.countries if entry.country == country)
    assert [line.phone for line in entry.lines] == [phone]


def test_lifeline_australia_takes_texts_and_988_points_to_its_chat_page() -> None:
    lines = {entry.country: entry.lines[0] for entry in SUPPORT.countries if entry.lines}
    assert lines["AU"].sms == "0477 13 11 14"
    assert str(lines["US"].chat_url) == "https://988lifeline.org/chat"


def test_an_entry_without_a_sourced_emergency_number_or_line_is_left_out_not_guessed() -> None:
    assert all(entry.emergency or entry.lines for entry in SUPPORT.countries)


def test_the_messages_are_short_and_name_the_emergency_number() -> None:
    for message in (SUPPORT.messages.with_emergency_number, SUPPORT.messages.without_emergency_number):
        assert len(message.en) <= 120
        assert len(message.es) <= 120
    assert "{number}" in SUPPORT.messages.with_emergency_number.en
    assert "{number}" in SUPPORT.messages.with_emergency_number.es


# --- guides ---


def test_guides_cover_the_three_components_backdraft_and_how_to_start() -> None:
    guides = {guide.id: guide for guide in load_guides()}
    components = " ".join(text.en for text in _all_texts(guides["what-is-self-compassion"])).lower()
    assert all(part in components for part in ("self-kindness", "common humanity", "mindfulness"))
    assert "backdraft" in guides
    assert "how-to-start" in guides


def test_backdraft_is_explained_in_plain_spanish_wherever_it_is_named() -> None:
    texts = [text.es for exercise in CATALOG.exercises for text in _all_texts(exercise)]
    texts += [text.es for guide in load_guides() for text in _all_texts(guide)]
    named = [text for text in texts if "backdraft" in text]
    assert named
    assert all("rebote" in text for text in named)


def test_guides_point_only_to_exercises_that_exist() -> None:
    assert {ref for guide in load_guides() for ref in guide.related_exercises} <= EXERCISES.keys()


# --- programs ---


def test_there_is_a_seven_day_start_here_path_and_at_least_two_themed_programs() -> None:
    programs = {program.id: program for program in load_programs()}
    assert len(programs["start-here"].days) >= 7
    assert len(programs) >= 3


def test_every_program_step_is_an_exercise_and_each_day_fits_its_minutes() -> None:
    for program in load_programs():
        for day in program.days:
            assert all(step.exercise_id in EXERCISES for step in day.steps), program.id
            assert sum(EXERCISES[step.exercise_id].duration_minutes for step in day.steps) <= day.minutes, (
                program.id,
                day.day,
            )


# --- the catalog's corrections and additions ---


def test_approaches_are_attributed_correctly() -> None:
    assert EXERCISES["three-minute-breathing-space"].approaches == (Approach.MBCT,)
    assert EXERCISES["three-good-things"].approaches == (Approach.POSITIVE_PSYCHOLOGY,)
    assert Approach.MBSR not in EXERCISES["rain-for-difficult-emotions"].approaches
    assert Approach.MBSR not in EXERCISES["box-breathing"].approaches
    assert EXERCISES["box-breathing"].approaches == (Approach.CONTEMPLATIVE,)
    assert EXERCISES["just-like-me"].approaches == (Approach.CONTEMPLATIVE,)
    assert EXERCISES["rain-for-difficult-emotions"].approaches != (Approach.MSC,)


def test_rain_and_just_like_me_credit_their_origins() -> None:
    rain = EXERCISES["rain-for-difficult-emotions"].summary
    assert "Michele McDonald" in rain.en
    assert "Tara Brach" in rain.en
    assert "Michele McDonald" in rain.es
    assert "Tara Brach" in rain.es
    origin = EXERCISES["just-like-me"].summary
    assert "Search Inside Yourself" in origin.en
    assert "Compassion Cultivation Training" in origin.en
    assert "Search Inside Yourself" in origin.es


@pytest.mark.parametrize("exercise", CATALOG.exercises, ids=lambda exercise: exercise.id)
def test_a_practice_that_says_right_now_carries_a_caution(exercise: ExerciseContent) -> None:
    steps = " ".join(f"{step.text.en} {step.text.es}" for step in exercise.steps).lower()
    if "right now" in steps or "ahora mismo" in steps:
        assert exercise.cautions is not None


@pytest.mark.parametrize("exercise", CATALOG.exercises, ids=lambda exercise: exercise.id)
def test_the_numbness_sentence_is_emotional_and_matches_the_posture(exercise: ExerciseContent) -> None:
    if exercise.cautions is None:
        return
    assert "Numbness, or feeling far away" not in exercise.cautions.en
    assert "entumecimiento" not in exercise.cautions.es
    if "numbness" in exercise.cautions.en.lower():
        assert "Emotional numbness, or feeling cut off or unreal" in exercise.cautions.en
        assert "embotamiento emocional" in exercise.cautions.es
    if not any("eyes" in step.text.en for step in exercise.steps):
        assert "open your eyes" not in exercise.cautions.en.lower()
        assert "abre los ojos" not in exercise.cautions.es.lower()


def test_box_breathing_is_one_sixteen_second_round() -> None:
    rounds = [step for step in EXERCISES["box-breathing"].steps if step.text.en == "In 4 · hold 4 · out 4 · hold 4"]
    assert [step.seconds for step in rounds] == [16]
    assert not any(step.seconds == 4 for step in EXERCISES["box-breathing"].steps)


def test_the_body_scan_asks_no_gratitude_for_a_part_that_hurts() -> None:
    text = " ".join(step.text.en for step in EXERCISES["compassionate-body-scan"].steps)
    assert "If a part hurts or works differently, you needn't feel grateful; notice it kindly, or move on." in text
    assert "remember what it does for you" not in text


def test_the_letter_to_your_younger_self_keeps_a_comfortable_distance() -> None:
    text = " ".join(step.text.en for step in EXERCISES["letter-to-your-younger-self"].steps)
    assert "from a comfortable distance; you needn't relive it" in text


def test_the_evening_reflection_closes_the_page_on_what_keeps_circling() -> None:
    last = EXERCISES["evening-reflection-journal"].steps[-1].text.en
    assert "keeps circling" in last
    assert "close the page" in last


@pytest.mark.parametrize("exercise_id", ["thought-record-with-kindness", "evening-reflection-journal"])
def test_practices_that_were_missing_a_caution_have_one(exercise_id: str) -> None:
    assert EXERCISES[exercise_id].cautions is not None


def test_every_caution_names_numbness_as_a_sign_to_stop_and_ends_with_where_to_get_help() -> None:
    cautions = [exercise.cautions for exercise in CATALOG.exercises if exercise.cautions]
    assert len(cautions) >= 28
    for caution in cautions:
        assert "Emotional numbness, or feeling cut off or unreal" in caution.en
        assert "sign to stop" in caution.en
        assert caution.en.endswith(
            "open the app's support screen, call a crisis line, or call your local emergency number."
        )
        assert "embotamiento emocional" in caution.es
        assert caution.es.endswith(
            "abre la pantalla de apoyo de la app, llama a una línea de crisis o al número de emergencias de tu zona."
        )


@pytest.mark.parametrize(
    "base", ["self-compassion-break", "soothing-touch", "affectionate-breathing"], ids=lambda base: base
)
def test_core_practices_have_a_one_minute_sos_version_for_hard_moments(base: str) -> None:
    sos = EXERCISES[f"sos-{base}"]
    assert sos.duration_minutes == 1
    assert sos.for_hard_moments
    assert sum(step.seconds or 0 for step in sos.steps) == 60


@pytest.mark.parametrize(
    "exercise_id", ["soften-soothe-allow", "giving-and-receiving-compassion", "forgiving-yourself-gently"]
)
def test_the_new_practices_are_in_the_catalog_with_a_caution(exercise_id: str) -> None:
    assert EXERCISES[exercise_id].cautions is not None


@pytest.mark.parametrize("category", list(Category))
@pytest.mark.parametrize("hour", range(24))
def test_every_category_has_three_short_practices_to_suggest_at_every_hour(category: Category, hour: int) -> None:
    fitting = [item for item in suggestable_exercises(time(hour, 30)) if item.category is category]
    assert len(fitting) >= 3


def test_about_seven_affirmations_are_kept_for_hard_moments_and_plenty_remain_to_send() -> None:
    hard = [item for item in CATALOG.affirmations if item.for_hard_moments]
    assert 7 <= len(hard) <= 12
    assert "this-is-a-moment-of-struggle-and-struggle-is-part-of-being" in {item.id for item in hard}
    assert len(CATALOG.affirmations) - len(hard) >= 50


# --- Spanish: one neutral register, and the reviewed phrases ---


def _spanish() -> str:
    texts: list[LocalizedText] = []
    for exercise in CATALOG.exercises:
        texts += _all_texts(exercise)
    for affirmation in CATALOG.affirmations:
        texts += _all_texts(affirmation)
    for guide in load_guides():
        texts += _all_texts(guide)
    for program in load_programs():
        texts += _all_texts(program)
    for prompt in load_prompts():
        texts += _all_texts(prompt)
    texts += _all_texts(SUPPORT)
    spanish = [text.es for text in texts]
    for instrument in load_instruments():  # the app's own words about it; its items are published text
        spanish += [instrument.scoring.es, instrument.about.es, *instrument.unavailable_language_notes.values()]
    return "\n".join(spanish)


@pytest.mark.parametrize(
    "avoided",
    [
        r"\benfad",
        r"\bapetec",
        r"tengo que arreglarme",
        r"Que sea amable conmigo",
        r"Que me acepte",
        r"un amigo o una amiga, real o imaginaria",
        r"\ben tres a cinco\b|\bPiensa en tres a cinco\b",
        r"No estoy a solas en esto",
        r"(?<!rato )\ba solas\b",  # "you are not alone" is "no eres la única persona que pasa por esto"
        r"[Ss]e vuelve demasiado",
        r"lástima de ti",
        r"sufres o no llegas",
        r"criatura disgustada",
        r"peso[^.]{0,20}en el estómago",
        r"pequeños agobios",
        r"[Cc]ontacto tranquilizador",
        r"agradecerme",
        r"buen lugar donde estar",
        r"exigirme tanto",
        r"alguien a quien quieres|alguien querido",  # one phrase: "alguien que quieres"
        r"[«»\"]",  # “ ” quotes throughout
        r"\bNota (cómo|lo|el|la)\b",  # "notar", overused: "fíjate en", or "siente" for a sensation
        r"Perteneces aquí",
        r"una respiración a la vez",
        r"\bvosotr|\bos\b|\busted(es)?\b",  # one register: tú, never vosotros or usted
    ],
)
def test_the_spanish_avoids_regional_words_and_calques(avoided: str) -> None:
    assert re.findall(avoided, _spanish()) == []


@pytest.mark.parametrize(
    "wanted",
    [
        "tengo que cambiar",
        "Que pueda ser amable conmigo",
        "Que pueda aceptarme",
        "alguien, real o imaginario",
        "entre tres y cinco",
        "No soy la única persona",
        "Si quieres",
        "enojo",
        "Si te desborda",
        "no eres la única persona que pasa por esto",
        "No es sentir lástima por ti",
        "cuando sufres o fallas",
        "un niño o una niña que está mal",
        "un nudo en el estómago",
        "pequeñas tensiones del día",
        "Contacto reconfortante",
        "Puedo darme las gracias por",
        "y eso está bien",
        "tratarme con dureza",
        "alguien que quieres",
    ],
)
def test_the_spanish_uses_the_reviewed_phrases(wanted: str) -> None:
    assert wanted in _spanish()


def test_the_english_spells_practice_one_way() -> None:
    texts = [*CATALOG.exercises, *CATALOG.affirmations, *load_guides(), *load_programs(), *load_prompts(), SUPPORT]
    english = " ".join(text.en for value in texts for text in _all_texts(value))
    assert "practis" not in english.lower()


def _program(exercise_id: str, minutes: int) -> ProgramContent:
    note = {"en": "A note.", "es": "Una nota."}
    return ProgramContent.model_validate(
        {
            "id": "p",
            "title": note,
            "summary": note,
            "days": [{"day": 1, "minutes": minutes, "steps": [{"exercise_id": exercise_id, "note": note}]}],
        }
    )


def test_a_program_naming_a_missing_exercise_or_overrunning_its_day_is_rejected() -> None:
    durations = {exercise_id: exercise.duration_minutes for exercise_id, exercise in EXERCISES.items()}
    check_programs([_program("self-compassion-break", 5)], durations)

    with pytest.raises(ValueError, match="do not exist"):
        check_programs([_program("no-such-practice", 5)], durations)
    with pytest.raises(ValueError, match="needs 5 minutes"):
        check_programs([_program("self-compassion-break", 4)], durations)


def test_programs_number_their_days_in_order() -> None:
    note = {"en": "A note.", "es": "Una nota."}
    step = {"exercise_id": "self-compassion-break", "note": note}
    with pytest.raises(ValidationError):
        ProgramContent.model_validate(
            {"id": "p", "title": note, "summary": note, "days": [{"day": 2, "minutes": 5, "steps": [step]}]}
        )


def _seconds(exercise_id: str, starts: str) -> int:
    seconds = next(step.seconds for step in EXERCISES[exercise_id].steps if step.text.en.startswith(starts))
    assert seconds is not None
    return seconds


def test_the_time_goes_to_the_work_not_to_the_padding() -> None:
    critic = EXERCISES["meeting-your-inner-critic"]
    dialogue = _seconds("meeting-your-inner-critic", "Ask the critic")
    assert dialogue == max(step.seconds or 0 for step in critic.steps)
    assert _seconds("meeting-your-inner-critic", "Thank the part") <= 120
    assert _seconds("compassionate-letter", "Put the letter aside") <= 60
    assert _seconds("one-small-kind-action", "When the time comes") <= 60


@pytest.mark.parametrize("program", load_programs(), ids=lambda program: program.id)
def test_no_program_opens_with_its_heaviest_practice_before_day_3(program: ProgramContent) -> None:
    heaviest = max(EXERCISES[step.exercise_id].duration_minutes for day in program.days for step in day.steps)
    first = min(
        day.day
        for day in program.days
        for step in day.steps
        if EXERCISES[step.exercise_id].duration_minutes == heaviest
    )
    assert first >= 3


def test_the_inner_critic_program_befriends_it_and_ends_its_heavy_day_with_an_sos_practice() -> None:
    program = next(program for program in load_programs() if program.id == "quieting-the-inner-critic")
    assert program.title.en == "Befriending the inner critic"
    day = next(day for day in program.days if any(s.exercise_id == "meeting-your-inner-critic" for s in day.steps))
    assert day.day >= 4
    assert day.steps[-1].exercise_id.startswith("sos-")
    assert EXERCISES[day.steps[-1].exercise_id].duration_minutes == 1


def test_hard_days_points_to_the_support_screen_and_backdraft_to_soothing_practices() -> None:
    program = next(program for program in load_programs() if program.id == "hard-days")
    assert "support screen" in program.summary.en
    assert "pantalla de apoyo" in program.summary.es
    backdraft = next(guide for guide in load_guides() if guide.id == "backdraft")
    assert "soften-soothe-allow" not in backdraft.related_exercises
    assert "soothing-rhythm-breathing" in backdraft.related_exercises


def test_the_start_here_loving_kindness_fits_any_hour() -> None:
    text = " ".join(f"{step.text.en} {step.text.es}" for step in EXERCISES["loving-kindness-for-yourself"].steps)
    assert "this morning" not in text
    assert "esta mañana" not in text


@pytest.mark.parametrize(
    "affirmation_id",
    [
        "mistakes-are-how-people-learn-i-can-learn-from-this-one-too",
        "i-can-meet-this-feeling-with-curiosity-instead-of-judgment",
    ],
)
def test_affirmations_that_presume_a_struggle_are_for_hard_moments(affirmation_id: str) -> None:
    affirmation = next(item for item in CATALOG.affirmations if item.id == affirmation_id)
    assert affirmation.for_hard_moments
