"""German and English texts of the findings, costs, levers and decompositions, in the one-catalogue format.

Keys are dotted message ids; each value is {"de": ..., "en": ...}; a text that depends on a count is a
dict {"one": ..., "other": ...} chosen with babel's plural rules on the value named `n`.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, object]] = {
    # -- section and frame texts
    "finding.heading": {"de": "Ergebnisse", "en": "Findings"},
    "finding.scenario_heading": {"de": "{scenario} gegenüber {ref}", "en": "{scenario} against {ref}"},
    "finding.caveat": {
        "de": ("Ein Vergleich von Mechanismen unter den genannten Annahmen, keine Prognose: Die Zahlen zeigen, "
               "wie sich die Szenarien im Modell unterscheiden, nicht, was in Deutschland eintreten wird."),
        "en": ("A comparison of mechanisms under stated assumptions, not a forecast: the numbers show how the "
               "scenarios differ in the model, not what will happen in Germany."),
    },
    "finding.basis": {
        "de": {"one": "Grundlage: {n} gepaarter Lauf je Szenario, {scale}; 95%-Intervalle der gepaarten Differenzen.",
               "other": "Grundlage: {n} gepaarte Läufe je Szenario, {scale}; 95%-Intervalle der gepaarten Differenzen."},
        "en": {"one": "Basis: {n} paired run per scenario, {scale}; 95% intervals of the paired differences.",
               "other": "Basis: {n} paired runs per scenario, {scale}; 95% intervals of the paired differences."},
    },
    "finding.count": {
        "de": "{window} hat {scenario} etwa {value} {direction} {noun} (95%-Intervall {low} bis {high}) als {ref}.",
        "en": "{window}, {scenario} has about {value} {direction} {noun} (95% interval {low} to {high}) than {ref}.",
    },
    "finding.level": {
        "de": "{window} ist {noun} unter {scenario} um {value}{unit} {direction}{scale} (95%-Intervall {low} bis {high}) als unter {ref}.",
        "en": "{window}, {noun} is {value}{unit} {direction}{scale} under {scenario} (95% interval {low} to {high}) than under {ref}.",
    },
    "finding.none": {
        "de": "Keine messbare Differenz zwischen {scenario} und {ref} bei: {items}.",
        "en": "No measurable difference between {scenario} and {ref} in {items}.",
    },
    "finding.unknown": {
        "de": "Zu wenige Läufe für ein Intervall (mindestens zwei je Szenario nötig) bei: {items}.",
        "en": "Too few runs for an interval (at least two per scenario needed) for {items}.",
    },
    "finding.more": {"de": "mehr", "en": "more"},
    "finding.fewer": {"de": "weniger", "en": "fewer"},
    "finding.higher": {"de": "höher", "en": "higher"},
    "finding.lower": {"de": "niedriger", "en": "lower"},
    "finding.window.end": {"de": "Am Ende des Laufs ({end})", "en": "At the end of the run ({end})"},
    "finding.window.total": {
        "de": {"one": "Über {n} Jahr ({start}-{end})", "other": "Über {n} Jahre ({start}-{end})"},
        "en": {"one": "Over {n} year ({start}-{end})", "other": "Over {n} years ({start}-{end})"},
    },
    "finding.window.last_year": {"de": "Im letzten Jahr des Laufs ({last})", "en": "In the last year of the run ({last})"},
    "finding.unit.pp": {"de": " Prozentpunkte", "en": " percentage points"},
    "finding.unit.index": {"de": " auf der Skala 0-1", "en": " on the 0-1 scale"},
    "finding.unit.eur": {"de": " EUR", "en": " EUR"},
    "finding.unit.meur": {"de": " Mio. EUR", "en": " million EUR"},
    "finding.unit.ties": {"de": " Beziehungen", "en": " ties"},
    "finding.scale.national": {"de": "bundesweit", "en": "national scale"},
    "finding.scale.land": {"de": "ein Land", "en": "one Land"},
    "finding.scale.district": {"de": "ein Kreis", "en": "one district"},
    # -- outcomes: `noun` is used in sentences (plural forms for counts), `name` in lists and table headers
    "finding.noun.alive_end": {"de": {"one": "aktive MSO", "other": "aktive MSO"},
                               "en": {"one": "MSO alive", "other": "MSOs alive"}},
    "finding.noun.dissolved_total": {"de": {"one": "Auflösung von MSO", "other": "Auflösungen von MSO"},
                                     "en": {"one": "MSO dissolution", "other": "MSO dissolutions"}},
    "finding.noun.volunteers_end": {"de": {"one": "aktive Ehrenamtliche", "other": "aktive Ehrenamtliche"},
                                    "en": {"one": "active volunteer", "other": "active volunteers"}},
    "finding.noun.staff_fte_end": {"de": {"one": "bezahlte Vollzeitstelle", "other": "bezahlte Vollzeitstellen"},
                                   "en": {"one": "paid full-time position", "other": "paid full-time positions"}},
    "finding.noun.staff_lost_at_cliff": {"de": {"one": "am Förderende verlorene Vollzeitstelle",
                                                "other": "am Förderende verlorene Vollzeitstellen"},
                                         "en": {"one": "full-time position lost at grant cliffs",
                                                "other": "full-time positions lost at grant cliffs"}},
    "finding.noun.coop_municipality_end": {"de": {"one": "MSO in Kooperation mit ihrer Kommune",
                                                  "other": "MSO in Kooperation mit ihrer Kommune"},
                                           "en": {"one": "MSO cooperating with its municipality",
                                                  "other": "MSOs cooperating with their municipality"}},
    "finding.noun.initial_cohort_survival": {"de": "der überlebende Anteil der Ausgangskohorte",
                                             "en": "the surviving share of the initial cohort"},
    "finding.noun.mean_burnout": {"de": "die mittlere Erschöpfung", "en": "mean burnout"},
    "finding.noun.volunteer_turnover": {"de": "die jährliche Fluktuation der Ehrenamtlichen",
                                        "en": "yearly volunteer turnover"},
    "finding.noun.service_coverage": {"de": "die Abdeckung des Bedarfs", "en": "service coverage"},
    "finding.noun.time_limited_share": {"de": "der Einnahmenanteil befristeter Projektmittel",
                                        "en": "the income share from time-limited grants"},
    "finding.noun.funding_gini": {"de": "der Gini der Fördereinnahmen", "en": "the Gini of grant income"},
    "finding.noun.ties_per_mso_end": {"de": "die Zahl der Kooperationsbeziehungen je MSO",
                                      "en": "the number of cooperation ties per MSO"},
    "finding.noun.mean_trust_end": {"de": "das mittlere Vertrauen in die Kommune",
                                    "en": "mean trust in the municipality"},
    "finding.noun.public_money_per_service_hour": {"de": "das öffentliche Geld je Leistungsstunde",
                                                   "en": "public money per service hour"},
    "finding.noun.public_money_total": {"de": "das ausgegebene öffentliche Geld",
                                        "en": "public money spent"},
    "finding.name.alive_end": {"de": "aktive MSO", "en": "MSOs alive"},
    "finding.name.dissolved_total": {"de": "Auflösungen", "en": "dissolutions"},
    "finding.name.initial_cohort_survival": {"de": "Überleben der Ausgangskohorte", "en": "survival of the initial cohort"},
    "finding.name.volunteers_end": {"de": "aktive Ehrenamtliche", "en": "active volunteers"},
    "finding.name.mean_burnout": {"de": "Erschöpfung", "en": "burnout"},
    "finding.name.volunteer_turnover": {"de": "Fluktuation der Ehrenamtlichen", "en": "volunteer turnover"},
    "finding.name.staff_fte_end": {"de": "bezahlte Stellen", "en": "paid positions"},
    "finding.name.staff_lost_at_cliff": {"de": "am Förderende verlorene Stellen", "en": "positions lost at grant cliffs"},
    "finding.name.service_coverage": {"de": "Abdeckung des Bedarfs", "en": "service coverage"},
    "finding.name.time_limited_share": {"de": "Anteil befristeter Projektmittel", "en": "share of time-limited grants"},
    "finding.name.funding_gini": {"de": "Ungleichheit der Fördereinnahmen", "en": "inequality of grant income"},
    "finding.name.ties_per_mso_end": {"de": "Kooperationsbeziehungen", "en": "cooperation ties"},
    "finding.name.coop_municipality_end": {"de": "Kooperation mit Kommunen", "en": "cooperation with municipalities"},
    "finding.name.mean_trust_end": {"de": "Vertrauen in die Kommune", "en": "trust in the municipality"},
    "finding.name.public_money_per_service_hour": {"de": "öffentliches Geld je Leistungsstunde",
                                                   "en": "public money per service hour"},
    "finding.name.public_money_total": {"de": "öffentliche Ausgaben", "en": "public spending"},
    # -- how a value is measured, for table headers and captions
    "finding.kind.end": {"de": "Bestand am Ende ({end})", "en": "stock at the end ({end})"},
    "finding.kind.total": {"de": "Summe {start}-{end}", "en": "total {start}-{end}"},
    "finding.kind.last_year": {"de": "Mittel im letzten Jahr ({last})", "en": "mean of the last year ({last})"},
    # -- the report section around the sentences
    "section.scenarios": {"de": "Die Szenarien", "en": "The scenarios"},
    "section.reference": {"de": "Referenz", "en": "reference"},
    "section.levers": {"de": "Was {scenario} gegenüber {ref} ändert", "en": "What {scenario} changes against {ref}"},
    "section.no_levers": {"de": "Gleiche Einstellungen wie {ref}.", "en": "Same settings as {ref}."},
    "section.lever_key": {"de": "Schlüssel", "en": "key"},
    "section.no_description": {"de": "(ohne Beschreibung in der Szenariodatei)", "en": "(no description in the scenario file)"},
    "section.costs": {"de": "Öffentliche Mittel und Kosten je Ergebnis", "en": "Public money and cost per outcome"},
    "section.costs_note": {
        "de": ("Öffentliche Mittel: Zahlungen von Bund, Ländern, Stiftungsprogrammen und Kommunen an MSO, Summe "
               "{start}-{end} in EUR. Kosten je Einheit: Mittel geteilt durch MSO-Jahre, Stellen-Jahre (VZÄ) oder "
               "Leistungsstunden über den Lauf (Mittel und 95%-t-Intervall über die Läufe); zusätzliche Kosten je "
               "Einheit: gepaarte Mehrkosten geteilt durch gepaarte Mehrleistung gegenüber {ref} (95%-Bootstrap-Intervall), "
               "nur wo die Mehrleistung messbar ist."),
        "en": ("Public money: payments from federal, Land and foundation programmes and municipalities to MSOs, total "
               "{start}-{end} in EUR. Cost per unit: money divided by MSO-years, position-years (FTE) or service hours "
               "over the run (mean and 95% t-interval over runs); incremental cost per unit: paired extra money divided "
               "by the paired extra units against {ref} (95% bootstrap interval), only where the extra units are "
               "measurable."),
    },
    "section.spends_more": {
        "de": "Achtung: {scenario} gibt {excess} mehr öffentliche Mittel aus als {ref}; ein Teil jeder Wirkung kann am Geld liegen.",
        "en": "Note: {scenario} spends {excess} more public money than {ref}; part of any effect may be the money.",
    },
    "section.column.measure": {"de": "Größe", "en": "measure"},
    "section.column.difference": {"de": "Differenz zu {ref} [95%-Intervall]", "en": "difference to {ref} [95% interval]"},
    "section.column.mean": {"de": "Mittel [95%-Intervall]", "en": "mean [95% interval]"},
    "section.cost.public_money_total": {"de": "Öffentliche Mittel, Summe {start}-{end} (Mio. EUR)",
                                        "en": "Public money, total {start}-{end} (million EUR)"},
    "section.cost.public_money_per_year": {"de": "Öffentliche Mittel je Jahr (Mio. EUR)", "en": "Public money per year (million EUR)"},
    "section.cost.average.mso_years": {"de": "EUR je MSO-Jahr", "en": "EUR per MSO-year alive"},
    "section.cost.average.fte_years": {"de": "EUR je Stellen-Jahr (VZÄ)", "en": "EUR per paid position-year (FTE)"},
    "section.cost.average.service_hours_total": {"de": "EUR je Leistungsstunde", "en": "EUR per service hour"},
    "section.cost.incremental.mso_years": {"de": "Zusätzliche EUR je zusätzlichem MSO-Jahr",
                                           "en": "Extra EUR per extra MSO-year alive"},
    "section.cost.incremental.fte_years": {"de": "Zusätzliche EUR je zusätzlichem Stellen-Jahr",
                                           "en": "Extra EUR per extra paid position-year"},
    "section.cost.incremental.service_hours_total": {"de": "Zusätzliche EUR je zusätzlicher Leistungsstunde",
                                                     "en": "Extra EUR per extra service hour"},
    "section.cost.level": {"de": "davon {level}, Summe (Mio. EUR)", "en": "of which {level}, total (million EUR)"},
    "section.not_measurable": {"de": "keine messbare Mehrleistung", "en": "no measurable extra units"},
    "section.why": {"de": "Wer gewinnt, wer verliert", "en": "Who gains and who loses"},
    "section.why_note": {
        "de": ("Aufteilung der messbaren Ergebnisse nach MSO-Typ zu Beginn des Laufs (neu gegründete MSO beginnen "
               "ehrenamtlich), nach Fördergeber-Ebene und nach Land; die Teile summieren sich zur Gesamtzahl (letzte Zeile)."),
        "en": ("The measurable outcomes split by MSO type at the start of the run (MSOs founded later start "
               "volunteer-only), by funder level and by Land; the parts sum to the whole (last row)."),
    },
    "section.split": {"de": "{outcome} nach {dimension}, {window}", "en": "{outcome} by {dimension}, {window}"},
    "section.part": {"de": "Teil", "en": "part"},
    "section.total": {"de": "gesamt", "en": "total"},
    "dimension.type": {"de": "MSO-Typ", "en": "MSO type"},
    "dimension.level": {"de": "Fördergeber-Ebene", "en": "funder level"},
    "dimension.land": {"de": "Land", "en": "Land"},
    "part.type.staffed": {"de": "zu Beginn mit Hauptamtlichen", "en": "staffed at start"},
    "part.type.volunteer_only": {"de": "rein ehrenamtlich (auch Neugründungen)", "en": "volunteer-only (incl. new)"},
    "part.level.federal": {"de": "Bund", "en": "federal"},
    "part.level.land": {"de": "Länder", "en": "Laender"},
    "part.level.foundation": {"de": "Stiftungen", "en": "foundations"},
    "part.level.municipal": {"de": "Kommunen", "en": "municipalities"},
    "section.outcome_table": {"de": "Alle Ergebnisse", "en": "All outcomes"},
    "figure.monthly": {"de": "Monatswerte {start}-{end}", "en": "monthly values {start}-{end}"},
    "figure.differences": {"de": "nur Anzahlen und Geld; Bestand oder Summe wie in der Tabelle, {start}-{end}",
                           "en": "counts and money only; stock or total as in the table, {start}-{end}"},
    "brief.scenario": {"de": "Szenario", "en": "scenario"},
    "brief.value": {"de": "Wert im Szenario", "en": "scenario value"},
    "section.split_unit.fte": {"de": ", Vollzeitstellen (VZÄ)", "en": ", full-time positions (FTE)"},
    "section.split_unit.meur": {"de": ", Mio. EUR", "en": ", million EUR"},
    "finding.basis_single": {
        "de": {"one": "Grundlage: {n} Lauf, {scale}; nur ein Szenario, daher kein Vergleich.",
               "other": "Grundlage: {n} Läufe, {scale}; nur ein Szenario, daher kein Vergleich."},
        "en": {"one": "Basis: {n} run, {scale}; one scenario only, so nothing is compared.",
               "other": "Basis: {n} runs, {scale}; one scenario only, so nothing is compared."},
    },
}
