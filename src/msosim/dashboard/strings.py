"""The dashboard's one translation table (German and English) and number/date formatting.

Every label, tooltip and message of the dashboard is looked up here with `t(key, lang, **values)`.
The English lever tooltips are the schema's own descriptions (PolicyConfig), added at import, so
they are never repeated by hand; the German ones are written here.
"""

from __future__ import annotations

import math

from babel import Locale

from .csv_labels import CSV_LABELS
from .levers import LEVERS

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

STRINGS: dict[str, dict[str, object]] = {
    # page and controls
    "app.title": {"de": "MSO-Simulation: zwei Politiken im Vergleich", "en": "MSO simulation: two policies side by side"},
    "app.subtitle": {"de": "Migrantenselbstorganisationen unter Förderregimen – Politik A und Politik B mit demselben Zufall",
                     "en": "Migrant self-organisations under funding regimes – policy A and policy B with the same random draws"},
    "control.language": {"de": "Sprache", "en": "Language"},
    "control.scenario": {"de": "Szenario-Datei", "en": "Scenario file"},
    "control.load": {"de": "Laden", "en": "Load"},
    "control.scale": {"de": "Ebene", "en": "Scale"},
    "control.land": {"de": "Bundesland", "en": "Land"},
    "control.seed": {"de": "Zufallszahl (Seed)", "en": "Random seed"},
    "control.play": {"de": "Abspielen", "en": "Play"},
    "control.pause": {"de": "Pause", "en": "Pause"},
    "control.step": {"de": "Schritt", "en": "Step"},
    "control.reset": {"de": "Zurücksetzen", "en": "Reset"},
    "control.speed": {"de": "Tempo [Schritte/s]", "en": "Speed [steps/s]"},
    "control.apply": {"de": "Übernehmen und neu starten", "en": "Apply and restart"},
    "tip.seed": {"de": "Beide Politiken laufen mit derselben Zufallszahl: Unterschiede kommen von den Hebeln, nicht vom Zufall.",
                 "en": "Both policies run with the same seed: differences come from the levers, not from chance."},
    "tip.scale": {"de": "Kreis: der Kreis oder die kreisfreie Stadt mit den meisten Zugewanderten im gewählten Land (schnell); "
                        "Land: ein Bundesland; national: ganz Deutschland (langsamer).",
                  "en": "District: the Kreis or independent city with the most migrants in the chosen Land (fast); "
                        "Land: one federal state; national: all of Germany (slower)."},
    "tip.speed": {"de": "Wie viele Monate pro Sekunde beim Abspielen gerechnet werden.",
                  "en": "How many months per second are computed while playing."},
    "tip.restart": {"de": "Ebene, Land und Seed gelten nach einem Neustart; Hebel wirken sofort ab dem Neustart beider Läufe.",
                    "en": "Scale, Land and seed apply on restart; levers take effect when both runs restart."},
    "scale.district": {"de": "Kreis", "en": "District"},
    "scale.land": {"de": "Bundesland", "en": "Land"},
    "scale.national": {"de": "National", "en": "National"},
    "status.step": {"de": "Schritt {step} · {date}", "en": "Step {step} · {date}"},
    "status.timing": {"de": "Schritt A+B gerechnet in {compute} ms · Seite aufgebaut in {render} ms",
                      "en": "Step A+B computed in {compute} ms · page rendered in {render} ms"},
    "status.playing": {"de": "läuft", "en": "playing"},
    "status.paused": {"de": "angehalten", "en": "paused"},
    "status.loaded": {"de": "Szenario {name} geladen ({count} MSO je Politik).", "en": "Scenario {name} loaded ({count} MSOs per policy)."},
    "months": {"de": "Jan Feb Mär Apr Mai Jun Jul Aug Sep Okt Nov Dez", "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"},
    # policies and levers
    "policy.A": {"de": "Politik A", "en": "Policy A"},
    "policy.B": {"de": "Politik B", "en": "Policy B"},
    "policy.levers": {"de": "Hebel", "en": "Levers"},
    "policy.copy_a": {"de": "Hebel von A übernehmen", "en": "Copy levers from A"},
    "lever.keep": {"de": "wie im Szenario", "en": "as in the scenario"},
    "lever.at_limit": {"de": "am Rand des erlaubten Bereichs ({low} – {high})", "en": "at the edge of the allowed range ({low} – {high})"},
    "lever.locked": {"de": "gesperrt", "en": "locked"},
    "lever.range": {"de": "Bereich {low} – {high}, Standard {default}", "en": "range {low} – {high}, default {default}"},
    "lever.funding_mode": {"de": "Förderart", "en": "Funding mode"},
    "lever.institutional_share": {"de": "Anteil institutionelle Förderung", "en": "Institutional share"},
    "lever.project_years": {"de": "Projektlaufzeit", "en": "Project duration"},
    "lever.cofunding_share": {"de": "Eigenanteil", "en": "Co-funding share"},
    "lever.application_hours_factor": {"de": "Antragsaufwand (Faktor)", "en": "Application effort (factor)"},
    "lever.application_support": {"de": "Antragsunterstützung", "en": "Application support"},
    "lever.budget_factor": {"de": "Förderbudget (Faktor)", "en": "Funding budget (factor)"},
    "lever.micro_grants_budget": {"de": "Budget Mikroförderung", "en": "Micro-grants budget"},
    "lever.professionalisation_budget": {"de": "Budget Strukturförderung", "en": "Structure-building budget"},
    "lever.dialogue_formats": {"de": "Dialogformate", "en": "Dialogue formats"},
    "lever.delegation_funded_share": {"de": "Bezahlte Aufgabenübertragung", "en": "Paid delegated tasks"},
    "option.funding_mode.as_configured": {"de": "wie im Szenario", "en": "as in the scenario"},
    "option.funding_mode.project": {"de": "Projektförderung", "en": "project funding"},
    "option.funding_mode.institutional": {"de": "institutionelle Förderung", "en": "institutional funding"},
    "option.funding_mode.mixed": {"de": "gemischt", "en": "mixed"},
    "unit.years": {"de": "Jahre", "en": "years"},
    "unit.EUR/year": {"de": "EUR/Jahr", "en": "EUR/year"},
    "unit.share": {"de": "Anteil 0–1", "en": "share 0–1"},
    "unit.factor": {"de": "Faktor", "en": "factor"},
    # headline
    "headline.alive": {"de": "MSO aktiv", "en": "MSOs alive"},
    "headline.staff_fte": {"de": "Bezahlte Stellen (VZÄ)", "en": "Paid staff (FTE)"},
    "headline.volunteers": {"de": "Ehrenamtliche", "en": "Volunteers"},
    "headline.service_coverage": {"de": "Versorgungsgrad", "en": "Service coverage"},
    "headline.difference": {"de": "B − A", "en": "B − A"},
    # charts
    "chart.alive": {"de": "Aktive MSO nach Typ", "en": "MSOs alive by type"},
    "chart.staff": {"de": "Bezahlte Stellen (Projektzyklen)", "en": "Paid staff (project cycles)"},
    "chart.volunteers": {"de": "Ehrenamtliche und mittlere Erschöpfung", "en": "Volunteers and mean burnout"},
    "chart.coverage": {"de": "Versorgungsgrad (geleistete / angefragte Stunden)", "en": "Service coverage (delivered / requested hours)"},
    "chart.time_limited": {"de": "Einkommensanteil aus befristeten Projekten", "en": "Share of income from time-limited grants"},
    "axis.year": {"de": "Jahr", "en": "Year"},
    "axis.msos": {"de": "MSO", "en": "MSOs"},
    "axis.fte": {"de": "VZÄ", "en": "FTE"},
    "axis.volunteers": {"de": "Ehrenamtliche", "en": "Volunteers"},
    "axis.burnout": {"de": "Erschöpfung (0–1)", "en": "Burnout (0–1)"},
    "axis.share": {"de": "Anteil", "en": "Share"},
    "legend.staffed": {"de": "mit Personal", "en": "with staff"},
    "legend.volunteer_only": {"de": "nur Ehrenamt", "en": "volunteer-only"},
    "legend.burnout": {"de": "Erschöpfung", "en": "burnout"},
    # population view
    "population.title": {"de": "Alle MSO (ein Punkt je Organisation)", "en": "Every MSO (one mark per organisation)"},
    "population.hint": {"de": "Auf einen Punkt klicken, um die Geschichte der MSO zu sehen.", "en": "Click a mark to see that MSO's story."},
    "population.select": {"de": "oder MSO-Nummer", "en": "or MSO number"},
    "population.show": {"de": "Zeigen", "en": "Show"},
    "state.volunteer_only": {"de": "nur Ehrenamt", "en": "volunteer-only"},
    "state.staffed": {"de": "mit Personal", "en": "with staff"},
    "state.struggling": {"de": "in Not (Rücklagen < 0 oder Erschöpfung > 0,6)", "en": "struggling (reserves < 0 or burnout > 0.6)"},
    "state.dissolved": {"de": "aufgelöst", "en": "dissolved"},
    # one MSO's story
    "story.title": {"de": "Geschichte von MSO {mso}", "en": "Story of MSO {mso}"},
    "story.none": {"de": "Noch keine MSO gewählt.", "en": "No MSO chosen yet."},
    "story.missing": {"de": "MSO {mso} gibt es unter {policy} nicht.", "en": "MSO {mso} does not exist under {policy}."},
    "story.events": {"de": "Ereignisse", "en": "Events"},
    "story.grants": {"de": "Förderungen", "en": "Grants"},
    "story.no_events": {"de": "Keine Ereignisse.", "en": "No events."},
    "story.no_grants": {"de": "Keine Förderungen.", "en": "No grants."},
    "story.series": {"de": "Ehrenamtliche und Personal", "en": "Volunteers and staff"},
    "fact.state": {"de": "Zustand", "en": "State"},
    "fact.volunteers": {"de": "Ehrenamtliche", "en": "Volunteers"},
    "fact.staff_fte": {"de": "Personal (VZÄ)", "en": "Staff (FTE)"},
    "fact.reserves": {"de": "Rücklagen (EUR)", "en": "Reserves (EUR)"},
    "fact.burnout": {"de": "Erschöpfung", "en": "Burnout"},
    "fact.members": {"de": "Mitglieder", "en": "Members"},
    "fact.track_record": {"de": "Bisherige Förderungen", "en": "Grants so far"},
    "column.date": {"de": "Monat", "en": "Month"},
    "column.event": {"de": "Ereignis", "en": "Event"},
    "column.cause": {"de": "Grund", "en": "Cause"},
    "column.funder": {"de": "Fördergeber", "en": "Funder"},
    "column.amount": {"de": "Betrag (EUR)", "en": "Amount (EUR)"},
    "column.staff_fte": {"de": "VZÄ", "en": "FTE"},
    "column.kind": {"de": "Art", "en": "Kind"},
    "column.start": {"de": "Beginn", "en": "Start"},
    "column.end": {"de": "Ende", "en": "End"},
    "column.amount_per_year": {"de": "EUR/Jahr", "en": "EUR/year"},
    "grant.project": {"de": "Projekt", "en": "project"},
    "grant.institutional": {"de": "institutionell", "en": "institutional"},
    # events of the log
    "event.founded": {"de": "gegründet", "en": "founded"},
    "event.dissolved": {"de": "aufgelöst", "en": "dissolved"},
    "event.grant_applied": {"de": "Antrag gestellt", "en": "applied for a grant"},
    "event.grant_awarded": {"de": "Förderung bewilligt", "en": "grant awarded"},
    "event.grant_rejected": {"de": "Antrag abgelehnt", "en": "application rejected"},
    "event.grant_ended": {"de": "Förderung beendet", "en": "grant ended"},
    "event.staff_hired": {"de": "Personal eingestellt", "en": "staff hired"},
    "event.staff_let_go": {"de": "Personal entlassen", "en": "staff let go"},
    "event.tie_formed": {"de": "Kooperation mit MSO begonnen", "en": "tie with an MSO formed"},
    "event.tie_broken": {"de": "Kooperation mit MSO beendet", "en": "tie with an MSO broken"},
    "event.municipal_cooperation_started": {"de": "Kooperation mit Kommune begonnen", "en": "cooperation with the municipality started"},
    "event.municipal_cooperation_ended": {"de": "Kooperation mit Kommune beendet", "en": "cooperation with the municipality ended"},
    "event.federation_joined": {"de": "Dachverband beigetreten", "en": "joined a federation"},
    "event.federation_left": {"de": "Dachverband verlassen", "en": "left its federation"},
    "event.task_delegated": {"de": "Aufgabe übertragen", "en": "task delegated"},
    "cause.": {"de": "", "en": ""},
    "cause.volunteers": {"de": "zu wenige Ehrenamtliche", "en": "too few volunteers"},
    "cause.insolvency": {"de": "Zahlungsunfähigkeit", "en": "insolvency"},
    "cause.background": {"de": "andere Gründe", "en": "other reasons"},
    "cause.with_successor": {"de": "mit Anschlussförderung", "en": "with a successor grant"},
    "cause.without_successor": {"de": "ohne Anschlussförderung", "en": "without a successor"},
    "cause.renewed": {"de": "verlängert", "en": "renewed"},
    "cause.grant_start": {"de": "Förderbeginn", "en": "grant start"},
    "cause.grant_end": {"de": "Förderende", "en": "grant end"},
    "cause.finances": {"de": "Finanzen", "en": "finances"},
    "cause.dissolution": {"de": "Auflösung", "en": "dissolution"},
    "cause.funded": {"de": "bezahlt", "en": "paid"},
    "cause.unfunded": {"de": "unbezahlt", "en": "unpaid"},
    "cause.polarisation": {"de": "Polarisierung", "en": "polarisation"},
    "cause.drift": {"de": "Lauf der Dinge", "en": "drift"},
    "cause.dialogue": {"de": "Dialogformat", "en": "dialogue format"},
    "cause.initial": {"de": "Ausgangslage", "en": "initial"},
    "funder.federal_projects": {"de": "Bundesprojekte", "en": "federal projects"},
    "funder.federal_integration": {"de": "Bundesintegrationsprogramm", "en": "federal integration programme"},
    "funder.land_programmes": {"de": "Landesprogramm", "en": "Land programme"},
    "funder.foundations": {"de": "Stiftungen", "en": "foundations"},
    "funder.structure_programme": {"de": "Strukturförderung", "en": "structure-building programme"},
    "funder.micro_grants": {"de": "Mikroförderung", "en": "micro-grants"},
    # ticker
    "ticker.title": {"de": "Ereignisticker", "en": "Event ticker"},
    "ticker.empty": {"de": "Noch nichts passiert – Schritt oder Abspielen drücken.", "en": "Nothing yet – press Step or Play."},
    "ticker.cliff": {"de": "MSO {mso}: Förderung ({funder}) endete, {fte} VZÄ entlassen",
                     "en": "MSO {mso}: grant ({funder}) ended, {fte} FTE let go"},
    "ticker.cliff_kept": {"de": "MSO {mso}: Förderung ({funder}) endete, Personal aus Rücklagen gehalten",
                          "en": "MSO {mso}: grant ({funder}) ended, staff kept from reserves"},
    "ticker.cliff_more": {"de": "{count} weitere Förderungen endeten ohne Anschluss ({fte} VZÄ entlassen)",
                          "en": "{count} more grants ended without a successor ({fte} FTE let go)"},
    "ticker.dissolved": {"de": "MSO {mso} aufgelöst ({cause})", "en": "MSO {mso} dissolved ({cause})"},
    "ticker.dissolved_more": {"de": "{count} weitere MSO aufgelöst", "en": "{count} more MSOs dissolved"},
    "ticker.founded": {"de": "{count} neue MSO gegründet", "en": "{count} new MSOs founded"},
    "ticker.awarded": {"de": "{count} Förderungen bewilligt ({amount} EUR/Jahr)", "en": "{count} grants awarded ({amount} EUR/year)"},
    "ticker.scenario_event": {"de": "Ereignis beginnt: {event}", "en": "Event begins: {event}"},
    "scenario_event.refugee_surge": {"de": "Fluchtzuwanderung", "en": "refugee arrivals"},
    "scenario_event.pandemic": {"de": "Pandemie", "en": "pandemic"},
    "scenario_event.polarisation": {"de": "Polarisierung", "en": "polarisation"},
    "scenario_event.austerity": {"de": "Sparpolitik", "en": "austerity"},
    # downloads
    "download.title": {"de": "Herunterladen", "en": "Download"},
    "download.csv": {"de": "Lauf als CSV", "en": "Run as CSV"},
    "download.charts": {"de": "Diagramme als PNG", "en": "Charts as PNG"},
    "download.brief": {"de": "Einseitiges Briefing (PDF)", "en": "One-page brief (PDF)"},
    # facilitators
    "facilitator.title": {"de": "Für Moderierende", "en": "For facilitators"},
    "facilitator.preset_name": {"de": "Name der Voreinstellung", "en": "Preset name"},
    "facilitator.save": {"de": "Voreinstellung speichern", "en": "Save preset"},
    "facilitator.presets": {"de": "Gespeicherte Voreinstellungen", "en": "Saved presets"},
    "facilitator.load": {"de": "Voreinstellung laden", "en": "Load preset"},
    "facilitator.saved": {"de": "Voreinstellung „{name}“ gespeichert: {files}", "en": "Preset '{name}' saved: {files}"},
    "facilitator.loaded": {"de": "Voreinstellung „{name}“ geladen.", "en": "Preset '{name}' loaded."},
    "facilitator.on_table": {"de": "Hebel auf dem Tisch (nur diese dürfen Teilnehmende bewegen):",
                             "en": "Levers on the table (participants may move only these):"},
    "facilitator.all": {"de": "alle freigeben", "en": "unlock all"},
    "facilitator.none": {"de": "alle sperren", "en": "lock all"},
    # messages
    "error.scenario": {"de": "Szenario kann nicht geladen werden: {detail}", "en": "Cannot load the scenario: {detail}"},
    "error.lever": {"de": "{lever}: Wert {value} nicht erlaubt; erlaubt: {low} bis {high}",
                    "en": "{lever}: value {value} not allowed; allowed: {low} to {high}"},
    "error.number": {"de": "{lever}: „{value}“ ist keine Zahl", "en": "{lever}: '{value}' is not a number"},
    "error.step": {"de": "Der Schritt ist fehlgeschlagen: {detail}", "en": "The step failed: {detail}"},
    "error.preset_name": {"de": "Der Name braucht Buchstaben oder Ziffern.", "en": "The name needs letters or digits."},
    "error.preset": {"de": "Voreinstellung kann nicht verwendet werden: {detail}", "en": "Cannot use the preset: {detail}"},
    "error.seed": {"de": "Seed muss eine ganze Zahl ≥ 0 sein, nicht „{value}“", "en": "The seed must be a whole number ≥ 0, not '{value}'"},
    "error.export": {"de": "Export fehlgeschlagen: {detail}", "en": "Export failed: {detail}"},
    # the one-page brief
    "brief.title": {"de": "Politikvergleich: {name}", "en": "Policy comparison: {name}"},
    "brief.setup": {"de": "Szenario {name} · Ebene {scale} · Seed {seed} · Stand {date}",
                    "en": "Scenario {name} · scale {scale} · seed {seed} · at {date}"},
    "brief.lever": {"de": "Hebel", "en": "Lever"},
    "brief.outcome": {"de": "Ergebnis", "en": "Outcome"},
    # ensemble mode (issue 17): chance made visible
    "ensemble.mode": {"de": "Läufe je Politik", "en": "Runs per policy"},
    "ensemble.story": {"de": "1 (Geschichte: ein möglicher Verlauf)", "en": "1 (story: one possible history)"},
    "ensemble.runs": {"de": "{n} gepaarte Läufe (Bandbreite)", "en": "{n} paired runs (range)"},
    "tip.ensemble": {"de": "Jede Politik läuft mehrmals mit verschiedenem Zufall; Lauf i von A und B teilt denselben Zufall. "
                            "Linien: Median; Fläche: 90 % der Läufe. Mit einem Lauf folgt man einer einzigen Geschichte.",
                     "en": "Each policy runs several times with different chance; run i of A and B shares the same chance. "
                           "Lines: median; shaded: 90% of the runs. With one run you follow a single history."},
    "ensemble.band": {"de": "{policy}: 90 % der Läufe", "en": "{policy}: 90% of runs"},
    "ensemble.interval": {"de": "90 %: {low} bis {high}", "en": "90%: {low} to {high}"},
    "ensemble.no_clear_difference": {"de": "kein klarer Unterschied", "en": "no clear difference"},
    "ensemble.clear_higher": {"de": "B klar höher (in mindestens 95 % der Läufe)", "en": "B clearly higher (in at least 95% of runs)"},
    "ensemble.clear_lower": {"de": "B klar niedriger (in mindestens 95 % der Läufe)", "en": "B clearly lower (in at least 95% of runs)"},
    "ensemble.one_history": {"de": "ein möglicher Verlauf (ein Zufall) – kein Urteil", "en": "one possible history (one seed) – not a verdict"},
    # room view (issue 17): the participants' screen
    "room.view": {"de": "Raumansicht", "en": "Room view"},
    "room.tip": {"de": "Für den Beamer: ohne Dateinamen, Seed und Zeiten, ohne Moderationsbereich. Mit PIN gestartet, "
                        "lässt sich die Raumansicht nur mit der PIN verlassen.",
                 "en": "For the projector: no file names, seed or timings, no facilitator panel. Started with a PIN, "
                       "room view can only be left with the PIN."},
    "room.pin": {"de": "PIN", "en": "PIN"},
    "room.wrong_pin": {"de": "falsche PIN", "en": "wrong PIN"},
    "population.tooltip": {"de": "MSO {@MSO} · {a}", "en": "MSO {@MSO} · {a}"},
    # counts with plural forms (babel's rules on `n`): "1 Förderung bewilligt", "1 new MSO founded"
    "ticker.founded_n": {"de": {"one": "{n} neue MSO gegründet", "other": "{n} neue MSO gegründet"},
                         "en": {"one": "{n} new MSO founded", "other": "{n} new MSOs founded"}},
    "ticker.awarded_n": {"de": {"one": "{n} Förderung bewilligt ({amount} EUR/Jahr)", "other": "{n} Förderungen bewilligt ({amount} EUR/Jahr)"},
                         "en": {"one": "{n} grant awarded ({amount} EUR/year)", "other": "{n} grants awarded ({amount} EUR/year)"}},
    "ticker.dissolved_more_n": {"de": {"one": "{n} weitere MSO aufgelöst", "other": "{n} weitere MSO aufgelöst"},
                                "en": {"one": "{n} more MSO dissolved", "other": "{n} more MSOs dissolved"}},
    "ticker.cliff_more_n": {"de": {"one": "{n} weitere Förderung endete ohne Anschluss ({fte} VZÄ entlassen)",
                                   "other": "{n} weitere Förderungen endeten ohne Anschluss ({fte} VZÄ entlassen)"},
                            "en": {"one": "{n} more grant ended without a successor ({fte} FTE let go)",
                                   "other": "{n} more grants ended without a successor ({fte} FTE let go)"}},
    "status.loaded_n": {"de": {"one": "Szenario {name} geladen ({n} MSO je Politik).", "other": "Szenario {name} geladen ({n} MSO je Politik)."},
                        "en": {"one": "Scenario {name} loaded ({n} MSO per policy).", "other": "Scenario {name} loaded ({n} MSOs per policy)."}},
    # cards that matter to MSOs (issue 17); the facilitator picks four
    "headline.staff_let_go_at_grant_end": {"de": "Bei Förderende entlassen (VZÄ, bisher)", "en": "Staff let go at grant ends (FTE, so far)"},
    "headline.dissolved_total": {"de": "Aufgelöste MSO (bisher)", "en": "MSOs dissolved (so far)"},
    "headline.application_hours_total": {"de": "Stunden für Anträge (bisher)", "en": "Hours spent on applications (so far)"},
    "headline.public_money_volunteer_only_share": {"de": "Öffentliches Geld an rein ehrenamtliche MSO",
                                                   "en": "Public money reaching volunteer-only MSOs"},
    "card.cause.volunteers": {"de": "Ehrenamt", "en": "volunteers"},
    "card.cause.insolvency": {"de": "Insolvenz", "en": "insolvency"},
    "card.cause.background": {"de": "sonstige", "en": "other"},
    "facilitator.cards": {"de": "Vier Karten oben", "en": "Four cards at the top"},
    "facilitator.cards_hint": {"de": "genau vier wählen", "en": "choose exactly four"},
    # an MSO's story: events per policy, complete, in pages
    "story.events_count": {"de": {"one": "{n} Ereignis", "other": "{n} Ereignisse"}, "en": {"one": "{n} event", "other": "{n} events"}},
    "story.page": {"de": "Seite {page} von {pages}", "en": "page {page} of {pages}"},
    "chart.volunteers_only": {"de": "Ehrenamtliche", "en": "Volunteers"},
    "chart.burnout": {"de": "Mittlere Erschöpfung der Ehrenamtlichen", "en": "Volunteers' mean burnout"},
}
STRINGS.update(CSV_LABELS)     # the CSV export's column headers and header block (csv_labels.py)

# German tooltips of the levers; the English ones are the schema's descriptions (added below).
LEVER_TIPS_DE: dict[str, str] = {
    "funding_mode": "Förderart der Programme im Politikbereich: wie im Szenario, befristete Projekte, institutionelle (Kern-)Förderung oder gemischt.",
    "institutional_share": "Anteil jedes Budgets, der bei gemischter Förderart institutionell gezahlt wird.",
    "project_years": "Laufzeit einer Projektförderung [Jahre]; „wie im Szenario“ behält die Laufzeit jedes Programms.",
    "cofunding_share": "Eigenanteil, den eine MSO an den Projektkosten selbst trägt; „wie im Szenario“ behält den jedes Programms.",
    "application_hours_factor": "Faktor auf die Stunden, die ein Antrag kostet (weniger Bürokratie < 1).",
    "application_support": "Anteil der Antragsstunden, den Unterstützungsangebote rein ehrenamtlichen MSO abnehmen.",
    "budget_factor": "Faktor auf das Budget aller Fördergeber.",
    "micro_grants_budget": "Budget niedrigschwelliger Mikroförderung für ehrenamtliche Arbeit, bundesweit [EUR/Jahr].",
    "professionalisation_budget": "Budget des Strukturförderprogramms, bundesweit [EUR/Jahr]; „wie im Szenario“ behält das des Programms.",
    "dialogue_formats": "Anteil der Kommunen mit moderierten Dialogformaten zwischen Verwaltung und MSO.",
    "delegation_funded_share": "Anteil der an MSO übertragenen Aufgaben, die bezahlt werden; „wie im Szenario“ behält die kommunale Einstellung.",
}

for _lever in LEVERS:
    STRINGS[f"tip.{_lever.name}"] = {"de": LEVER_TIPS_DE.get(_lever.name, ""), "en": _lever.description}


def t(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang`, with `{placeholders}` filled; an unknown key shows as itself."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get("en", key)
    if isinstance(text, dict):             # plural forms, chosen by babel's rules for the language on `n`
        count = values.get("n", 0)
        text = text.get(plural_form(count, lang), text["other"])
        if isinstance(count, (int, float)):
            values = {**values, "n": number(count, lang)}
    return text.format(**values) if values else text


def plural_form(count: float, lang: str) -> str:
    """'one' or 'other' (or the language's other categories) for a count, by CLDR's plural rules (babel)."""
    return Locale.parse(lang).plural_form(abs(count)) if isinstance(count, (int, float)) else "other"


def number(value: float, lang: str, digits: int = 0) -> str:
    """A number with thousands separators in the language's style (German: 1.234,5)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def signed(value: float, lang: str, digits: int = 0) -> str:
    """A difference with its sign (+12, −3)."""
    text = number(abs(value), lang, digits)
    if round(value, digits) == 0:
        return "±" + text
    return ("+" if value > 0 else "−") + text


def month_label(year: float, lang: str) -> str:
    """'Mär 2016' for a fractional calendar year."""
    month_index = round((year % 1) * 12) % 12
    whole = int(year + 1e-9) if month_index else round(year)
    return f"{t('months', lang).split()[month_index]} {whole}"


def option_label(lever_name: str, value: str, lang: str) -> str:
    return t(f"option.{lever_name}.{value}", lang)


def funder_label(name: str, lang: str) -> str:
    """'land_programmes:NW' -> 'Landesprogramm NW'."""
    base, _, land = name.partition(":")
    label = t(f"funder.{base}", lang)
    label = base if label == f"funder.{base}" else label
    return f"{label} {land}".strip()


def unit_label(unit: str, lang: str) -> str:
    return t(f"unit.{unit}", lang) if unit else ""
