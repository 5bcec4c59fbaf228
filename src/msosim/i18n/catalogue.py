"""The one message catalogue: dotted message ids, each with its German and English text.

A text is a format string, or (where it depends on a count) a dict {"one": ..., "other": ...}
chosen with babel's plural rules on the value named `n`. An unknown id shows as itself; a text
missing in a language falls back to English.
"""

from __future__ import annotations

from babel import Locale

from .dashboard import MESSAGES as DASHBOARD
from .dashboard_csv import CSV_LABELS
from .findings import MESSAGES as FINDINGS
from .optimize import MESSAGES as OPTIMIZE

LANGUAGES = ("en", "de")

MESSAGES: dict[str, dict[str, object]] = {
    # scalar outcomes of a run (api.run_outcomes)
    "report.alive_end": {"de": "Aktive MSO am Ende", "en": "MSOs alive at end"},
    "report.dissolved_total": {"de": "Aufgelöste MSO", "en": "MSOs dissolved"},
    "report.initial_cohort_survival": {"de": "Überleben der Ausgangskohorte", "en": "Survival of the initial cohort"},
    "report.volunteers_end": {"de": "Aktive Ehrenamtliche am Ende", "en": "Active volunteers at end"},
    "report.mean_burnout": {"de": "Mittlere Erschöpfung, letztes Jahr (0-1)", "en": "Mean burnout, last year (0-1)"},
    "report.volunteer_turnover": {"de": "Fluktuation der Ehrenamtlichen pro Jahr, letztes Jahr", "en": "Volunteer turnover per year, last year"},
    "report.staff_fte_end": {"de": "Hauptamtliche am Ende (VZÄ)", "en": "Paid staff at end (FTE)"},
    "report.staff_lost_at_cliff": {"de": "Am Förderende verlorene Stellen (VZÄ)", "en": "Staff lost at grant cliffs (FTE)"},
    "report.service_coverage": {"de": "Versorgungsgrad, letztes Jahr", "en": "Service coverage, last year"},
    "report.time_limited_share": {"de": "Einnahmenanteil befristeter Projektmittel, letztes Jahr", "en": "Income share from time-limited grants, last year"},
    "report.funding_gini": {"de": "Gini der Fördereinnahmen unter MSO", "en": "Gini of grant income among MSOs"},
    "report.ties_per_mso_end": {"de": "Kooperationsbeziehungen je MSO", "en": "Cooperation ties per MSO"},
    "report.coop_municipality_end": {"de": "MSO in Kooperation mit ihrer Kommune", "en": "MSOs cooperating with their municipality"},
    "report.mean_trust_end": {"de": "Mittleres Vertrauen in die Kommune (0-1)", "en": "Mean trust in the municipality (0-1)"},
    "report.public_money_per_service_hour": {"de": "Öffentliche Mittel je Leistungsstunde (EUR)", "en": "Public money per service hour (EUR)"},
    # monthly series (model table columns)
    "report.alive": {"de": "Aktive MSO", "en": "MSOs alive"},
    "report.staff_fte": {"de": "Hauptamtliche (VZÄ)", "en": "Paid staff (FTE)"},
    "report.volunteers": {"de": "Aktive Ehrenamtliche", "en": "Active volunteers"},
    "report.burnout": {"de": "Mittlere Erschöpfung (0-1)", "en": "Mean burnout (0-1)"},
    "report.coverage": {"de": "Versorgungsgrad (geleistete / angefragte Stunden)", "en": "Service coverage (delivered / requested hours)"},
    "report.gini": {"de": "Gini der Fördereinnahmen", "en": "Gini of grant income"},
    "report.revenue_concentration": {"de": "Einnahmenkonzentration (mittlerer HHI der Quellen)", "en": "Revenue concentration (mean HHI of income sources)"},
    "report.time_limited": {"de": "Einnahmenanteil befristeter Projektmittel", "en": "Income share from time-limited grants"},
    # report text
    "report.title": {"de": "Szenarienvergleich", "en": "Scenario comparison"},
    "report.outcome": {"de": "Ergebnis", "en": "Outcome"},
    "report.scenario": {"de": "Szenario", "en": "Scenario"},
    "report.mean_ci": {"de": "Mittelwert [95%-Intervall]", "en": "mean [95% interval]"},
    "report.mean_ci_short": {"de": "Mittel [95%-KI]", "en": "mean [95% CI]"},
    "report.diff_vs": {"de": "Δ: gepaarte Differenz zu {ref} [95%-Intervall].", "en": "Δ: paired difference to {ref} [95% interval]."},
    "report.diff_short": {"de": "Δ {name}", "en": "Δ {name}"},
    "report.table_title": {"de": "{title}: {scenarios} Szenarien x {reps} Läufe, {years} Jahre", "en": "{title}: {scenarios} scenarios x {reps} runs, {years} years"},
    "report.runs": {"de": "Läufe", "en": "runs"},
    "report.reference": {"de": "Referenz", "en": "reference"},
    "report.note_crn": {"de": "Gemeinsame Zufallszahlen: Replikation i jedes Szenarios nutzt denselben Seed ({seeds}); Differenzen zu {ref} sind daher Seed für Seed gepaart, ihre Intervalle sind t-Intervalle der gepaarten Differenzen.", "en": "Common random numbers: replication i of every scenario uses the same seed ({seeds}), so differences to {ref} are paired seed by seed; their intervals are t-intervals of the paired differences."},
    "report.note_interval": {"de": "Intervalle: 95%-t-Intervalle des Mittelwerts über die Replikationen ({n} je Szenario).", "en": "Intervals are 95% t-intervals of the mean over replications ({n} per scenario)."},
    "report.note_partial": {"de": "Unvollständig: {done} von {expected} geplanten Läufen liegen im Speicher.", "en": "Incomplete: {done} of {expected} planned runs are in the store."},
    "report.note_mixed_code": {"de": "Achtung: Die Läufe stammen aus {count} verschiedenen msosim-Versionen oder Commits (siehe Herkunft); ein Speicher verwendet Läufe nach Szenario, Seed und Jahren wieder, daher nach Modelländerungen einen neuen Speicher verwenden.", "en": "Warning: the runs come from {count} different msosim versions or commits (see provenance); a store reuses runs by scenario, seed and years, so use a fresh store after model changes."},
    "report.figures": {"de": "Abbildungen", "en": "Figures"},
    "report.fig_alive": {"de": "Aktive MSO", "en": "MSOs alive"},
    "report.fig_staff": {"de": "Hauptamtliche (VZÄ)", "en": "Paid staff (FTE)"},
    "report.fig_volunteers": {"de": "Ehrenamtliche und Erschöpfung", "en": "Volunteers and burnout"},
    "report.fig_coverage": {"de": "Versorgungsgrad", "en": "Service coverage"},
    "report.fig_survival": {"de": "Überleben der Ausgangskohorte (Kaplan-Meier)", "en": "Survival of the initial cohort (Kaplan-Meier)"},
    "report.fig_funding": {"de": "Konzentration der Förderung", "en": "Funding concentration"},
    "report.fig_differences": {"de": "Gepaarte Differenzen zur Referenz, relativ zu deren Mittelwert", "en": "Paired differences to the reference, relative to its mean"},
    "report.volunteer_only": {"de": "zu Beginn rein ehrenamtlich", "en": "volunteer-only at start"},
    "report.staffed": {"de": "zu Beginn mit Hauptamtlichen", "en": "with paid staff at start"},
    "report.year": {"de": "Jahr", "en": "Year"},
    "report.surviving": {"de": "Anteil überlebend", "en": "Share surviving"},
    "report.relative_difference": {"de": "Differenz zu {ref} (% von dessen Mittelwert)", "en": "Difference to {ref} (% of its mean)"},
    "report.band_note": {"de": "Linien: Mittelwert über Replikationen; Bänder: 95%-t-Intervall.", "en": "Lines: mean over replications; bands: 95% t-interval."},
    "report.provenance": {"de": "Herkunft der Ergebnisse", "en": "Provenance"},
    "report.scenario_hash": {"de": "Inhalts-Hash", "en": "content hash"},
    "report.seeds": {"de": "Seeds", "en": "seeds"},
    "report.years": {"de": "Jahre", "en": "years"},
    "report.msosim_version": {"de": "msosim", "en": "msosim"},
    "report.git_commit": {"de": "Git-Commit", "en": "git commit"},
    "report.libraries": {"de": "numpy / mesa / python", "en": "numpy / mesa / python"},
    "report.run_dates": {"de": "Läufe beendet (UTC)", "en": "runs finished (UTC)"},
    "report.wall_time": {"de": "Laufzeit je Lauf (Mittel, gesamt)", "en": "wall time per run (mean, total)"},
    "report.resolved_scenario": {"de": "Aufgelöstes Szenario (nach extends)", "en": "Resolved scenario (after extends)"},
    "report.store": {"de": "Speicher", "en": "Store"},
    "report.generated": {"de": "Bericht erstellt", "en": "Report generated"},
    "report.dirty": {"de": "mit nicht committeten Änderungen", "en": "with uncommitted changes"},
    "report.na": {"de": "k. A.", "en": "n/a"},
}
MESSAGES.update(FINDINGS)  # the findings, costs, lever and decomposition texts ("finding.*")
MESSAGES.update(OPTIMIZE)  # the optimisation report ("optimize.*")
MESSAGES.update({f"dashboard.{key}": entry for key, entry in {**DASHBOARD, **CSV_LABELS}.items()})  # "dashboard.*"


def t(key: str, lang: str, **values: object) -> str:
    """The text of `key` in `lang` (else English, else the key), with `{placeholders}` filled from `values`."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en", key)
    if isinstance(text, dict):
        count = abs(float(values.get("plural", values.get("n", 0))))
        text = text.get(Locale.parse(lang).plural_form(int(count) if count == int(count) else count), text["other"])
    return text.format(**values) if values else text


def label(key: str, lang: str = "en", **values: object) -> str:
    """A report label: `t("report." + key, ...)`, showing the bare key when there is none."""
    text = t(f"report.{key}", lang, **values)
    return key if text == f"report.{key}" else text
