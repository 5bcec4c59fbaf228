"""German and English texts of the optimisation report (`msosim optimize`), in the one-catalogue format."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, object]] = {
    "optimize.title": {"de": "Welche Politik für dasselbe Geld: {name}", "en": "Which policy for the same money: {name}"},
    "optimize.budget": {
        "de": "Budget der Hebel: {budget} EUR pro Jahr (bundesweit); jede Kandidatin gibt es ganz aus (Abweichung höchstens {gap}).",
        "en": "Budget of the levers: {budget} EUR a year (national scale); every candidate spends it (largest deviation {gap}).",
    },
    "optimize.basis": {
        "de": "Suche: {algorithm}, {generations} Generationen x {population} Kandidatinnen, {evaluations} Bewertungen; jede mit denselben {draws} Parameterziehungen ({source}) x {reps} Seeds ({runs} Läufe je Kandidatin, {years} Jahre, {scale}).",
        "en": "Search: {algorithm}, {generations} generations x {population} candidates, {evaluations} evaluations; each with the same {draws} parameter draws ({source}) x {reps} seeds ({runs} runs per candidate, {years} years, {scale}).",
    },
    "optimize.source_particles": {"de": "gewichtete Partikel aus {file}", "en": "weighted particles from {file}"},
    "optimize.lever_drawn": {
        "de": "{keys}: in den Partikeln geschätzt, aber ein Hebel; die Kandidatin setzt den Wert, nicht die Ziehung.",
        "en": "{keys}: estimated in the particles, but a lever; the candidate sets its value, not the draw.",
    },
    "optimize.source_ranges": {"de": "Latin Hypercube der Bereiche von {keys}", "en": "Latin hypercube of the ranges of {keys}"},
    "optimize.check": {
        "de": "Nachprüfung: {checked} der {total} Pareto-Punkte (entlang {objective} verteilt; alle in pareto_all.csv) und der heutige Mix mit neuen Seeds und neuen Ziehungen ({draws} x {reps} = {runs} Läufe); 95%-Bootstrap-Intervalle, Differenzen gepaart nach Ziehung und Seed.",
        "en": "Check: {checked} of the {total} Pareto points (spread along {objective}; all of them in pareto_all.csv) and today's mix with fresh seeds and fresh draws ({draws} x {reps} = {runs} runs); 95% bootstrap intervals, differences paired by draw and seed.",
    },
    "optimize.mix": {"de": "{point} gibt {shares}", "en": "{point} puts {shares}"},
    "optimize.share": {"de": "etwa {share} des Geldes für {lever}", "en": "about {share} of the money into {lever}"},
    "optimize.setting": {"de": "{lever} {value}", "en": "{lever} {value}"},
    "optimize.settings": {"de": " (bei {items})", "en": " (with {items})"},
    "optimize.better": {
        "de": "{objective}: {value} gegenüber {reference} beim heutigen Mix, {diff} (95%-Intervall {low} bis {high})",
        "en": "{objective}: {value} against {reference} under today's mix, {diff} (95% interval {low} to {high})",
    },
    "optimize.unclear": {"de": "keine messbare Differenz", "en": "no measurable difference"},
    "optimize.sentence": {"de": "{mix}. Nachgeprüft: {effects}.", "en": "{mix}. Checked: {effects}."},
    "optimize.today": {"de": "{shares}.", "en": "{shares}."},
    "optimize.today_name": {"de": "Der heutige Mix", "en": "Today's mix"},
    "optimize.dominates": {
        "de": "{count} der {total} Pareto-Punkte sind in der Nachprüfung bei keinem Ziel messbar schlechter und bei mindestens einem messbar besser als der heutige Mix: {points}.",
        "en": "{count} of the {total} Pareto points are, in the check, measurably worse in no objective and measurably better in at least one than today's mix: {points}.",
    },
    "optimize.none_dominates": {
        "de": "Keiner der {total} Pareto-Punkte ist in der Nachprüfung bei allen Zielen mindestens so gut und bei einem messbar besser als der heutige Mix.",
        "en": "None of the {total} Pareto points is, in the check, at least as good in every objective and measurably better in one than today's mix.",
    },
    "optimize.caveat": {
        "de": "Ein Vergleich von Mechanismen unter den genannten Annahmen, keine Prognose. Das Budget gilt für die geplanten Mittel der Hebel; ausgezahlt wird, was die Programme vergeben (Spalte public_money_per_year, im simulierten Gebiet).",
        "en": "A comparison of mechanisms under stated assumptions, not a forecast. The budget holds for the levers' planned money; what is paid out is what the programmes award (column public_money_per_year, in the simulated area).",
    },
    "optimize.pareto_note": {
        "de": "Die geprüften Pareto-Punkte und der heutige Mix: Anteile der Hebel am Budget, Einstellungen, Ziele wie in der Suche gemessen (dieselben Ziehungen und Seeds für jede Kandidatin).",
        "en": "The checked Pareto points and today's mix: the levers' shares of the budget, the settings, and the objectives as the search measured them (the same draws and seeds for every candidate).",
    },
    "optimize.pareto_heading": {"de": "Pareto-Menge", "en": "Pareto set"},
    "optimize.check_heading": {"de": "Nachprüfung mit neuen Seeds", "en": "Check with fresh seeds"},
    "optimize.words_heading": {"de": "Die Mischungen in Worten", "en": "The mixes in words"},
    "optimize.figure_parallel": {"de": "Pareto-Menge und heutiger Mix (parallele Koordinaten)", "en": "Pareto set and today's mix (parallel coordinates)"},
    "optimize.figure_convergence": {"de": "Konvergenz: Hypervolumen je Generation", "en": "Convergence: hypervolume per generation"},
    "optimize.generation": {"de": "Generation", "en": "Generation"},
    "optimize.hypervolume": {"de": "Hypervolumen (normiert)", "en": "Hypervolume (normalised)"},
    "optimize.today_label": {"de": "heute", "en": "today"},
    "optimize.budget_of": {"de": "Budget {name}", "en": "{name} budget"},
}
