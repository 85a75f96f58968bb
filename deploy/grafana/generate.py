"""Writes the Grafana dashboards of motcua (dashboards/*.json). Run after changing a panel:

    python deploy/grafana/generate.py

Every query uses only metric names listed in motcua/observability.py (a test checks).
"""

from __future__ import annotations

import json
from pathlib import Path

DS = {"type": "prometheus", "uid": "motcua-prometheus"}
OUT = Path(__file__).with_name("dashboards")
AGENCY_30D = 'scope="agency", window="rolling_30d"'
PROVINCE_30D = 'scope="province", window="rolling_30d"'


def panel(title, exprs, kind="timeseries", unit=None, w=12, h=8, legend="{{key}}", **extra):
    targets = [{"refId": chr(65 + i), "datasource": DS, "expr": e,
                "legendFormat": lf} for i, (e, lf) in enumerate(
                    (x if isinstance(x, tuple) else (x, legend)) for x in exprs)]
    p = {"type": kind, "title": title, "datasource": DS, "targets": targets,
         "gridPos": {"w": w, "h": h}, "fieldConfig": {"defaults": {}, "overrides": []},
         "options": {}}
    if unit:
        p["fieldConfig"]["defaults"]["unit"] = unit
    p.update(extra)
    return p


def dashboard(uid, title, panels, tags=("motcua",)):
    x = y = 0
    for i, p in enumerate(panels, start=1):
        w, h = p["gridPos"]["w"], p["gridPos"]["h"]
        if x + w > 24:
            x, y = 0, y + h
        p["id"], p["gridPos"] = i, {"x": x, "y": y, "w": w, "h": h}
        x += w
    return {"uid": uid, "title": title, "tags": list(tags), "schemaVersion": 39, "version": 1,
            "editable": False, "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
            "templating": {"list": []}, "panels": panels}


def agency_var():
    return {"name": "agency", "type": "query", "datasource": DS, "multi": True,
            "includeAll": True, "refresh": 2,
            "query": {"query": f"label_values(motcua_compliance_on_time_ratio{{scope=\"agency\"}}, key)",
                      "refId": "agency"}}


def province_overview():
    return dashboard("motcua-province", "motcua · Province overview", [
        panel("Open at-risk dossiers", ["sum(motcua_dossiers_at_risk_open)"], "stat", w=6, h=4,
              legend="at risk"),
        panel("Open overdue dossiers", ["sum(motcua_dossiers_overdue_open)"], "stat", w=6, h=4,
              legend="overdue"),
        panel("On-time rate (30 days)", [f"motcua_compliance_on_time_ratio{{{PROVINCE_30D}}}"],
              "stat", "percentunit", w=6, h=4),
        panel("Online share (30 days)", [f"motcua_compliance_online_ratio{{{PROVINCE_30D}}}"],
              "stat", "percentunit", w=6, h=4),
        panel("Received per day (30 days)", [f"motcua_compliance_received_dossiers{{{PROVINCE_30D}}}"],
              w=12),
        panel("Open at-risk / overdue by agency",
              [("sum by (agency) (motcua_dossiers_at_risk_open)", "at risk {{agency}}"),
               ("sum by (agency) (motcua_dossiers_overdue_open)", "overdue {{agency}}")], w=12),
        panel("Disclosure completeness by agency",
              [f"motcua_compliance_disclosure_complete_ratio{{{AGENCY_30D}}}"], "bargauge",
              "percentunit", w=24),
    ])


def agency_compliance():
    d = dashboard("motcua-agency", "motcua · Per-agency compliance", [
        panel("On-time rate by agency vs target",
              [f'motcua_compliance_on_time_ratio{{{AGENCY_30D}, key=~"$agency"}}',
               ('max(motcua_compliance_target_ratio{indicator="on_time"})', "target")],
              unit="percentunit", w=24),
        panel("League: on-time rate (30 days)",
              [f'sort_desc(motcua_compliance_on_time_ratio{{{AGENCY_30D}, key=~"$agency"}})'],
              "bargauge", "percentunit", w=12),
        panel("Late dossiers resolved (30 days)",
              [f'motcua_compliance_late_dossiers{{{AGENCY_30D}, key=~"$agency"}}'], "bargauge",
              w=12),
    ])
    d["templating"]["list"].append(agency_var())
    return d


def apology_compliance():
    return dashboard("motcua-apology", "motcua · Apology compliance", [
        panel("At-risk dossiers without apology",
              ["sum by (agency) (motcua_dossiers_at_risk_without_apology)"], legend="{{agency}}",
              w=12),
        panel("At-risk dossiers without a drafted letter",
              ["sum by (agency) (motcua_dossiers_at_risk_without_letter)"], legend="{{agency}}",
              w=12),
        panel("Apology issued by the deadline (30 days)",
              [f"motcua_compliance_apology_ratio{{{AGENCY_30D}}}",
               ('max(motcua_compliance_target_ratio{indicator="apology"})', "target")],
              unit="percentunit", w=24),
    ])


def four_step():
    return dashboard("motcua-four-step", "motcua · Four-step share vs 50% target", [
        panel("Four-step dossier share, province",
              [f"motcua_compliance_four_step_dossier_ratio{{{PROVINCE_30D}}}",
               ('max(motcua_compliance_target_ratio{indicator="four_step_dossier"})', "target 50%")],
              unit="percentunit", w=12),
        panel("Four-step procedure share, province",
              [f"motcua_compliance_four_step_procedure_ratio{{{PROVINCE_30D}}}",
               ('max(motcua_compliance_target_ratio{indicator="four_step_procedure"})', "target 50%")],
              unit="percentunit", w=12),
        panel("Four-step dossier share by agency",
              [f"sort_desc(motcua_compliance_four_step_dossier_ratio{{{AGENCY_30D}}})"], "bargauge",
              "percentunit", w=24),
    ])


def pipeline_health():
    return dashboard("motcua-pipeline", "motcua · Pipeline health", [
        panel("Worker: lifecycle events applied by type",
              ["sum by (type) (rate(motcua_worker_events_total[5m]))"], unit="ops",
              legend="{{type}}"),
        panel("Worker: flags emitted by kind", ["sum by (kind) (rate(motcua_worker_flags_total[5m]))"],
              unit="ops", legend="{{kind}}"),
        panel("Producers: events accepted by type",
              ["sum by (type) (rate(motcua_events_out_total[5m]))"], unit="ops", legend="{{type}}"),
        panel("Sinks: records applied", ["sum by (sink) (rate(motcua_sink_records_applied_total[5m]))"],
              unit="ops", legend="{{sink}}"),
        panel("Dead letters by reason",
              [("sum by (reason) (increase(motcua_worker_dead_letters_total[10m]))", "worker {{reason}}"),
               ("sum by (reason) (increase(motcua_sink_dead_letters_total[10m]))", "sinks {{reason}}"),
               ("sum by (reason) (motcua_dead_letter_records)", "on topic {{reason}}")]),
        # the worker group's committed offsets are advisory (positions live in its Tables)
        panel("Consumer lag; worker: records not yet applied",
              [("max by (group, topic) (motcua_consumer_lag_records)", "{{group}} {{topic}}"),
               ("sum by (topic) (motcua_worker_unapplied_records)", "worker not applied {{topic}}")]),
        panel("Worker event time behind the wall clock",
              ["time() - max(motcua_worker_watermark_timestamp_seconds)"], unit="s",
              legend="behind"),
        panel("Duplicates absorbed / reordered / stale after a rebalance",
              [("sum(rate(motcua_worker_duplicates_total[5m]))", "duplicates"),
               ("sum(rate(motcua_worker_reordered_total[5m]))", "reordered"),
               ("sum(rate(motcua_worker_stale_records_total[5m]))", "left for a rebalance"),
               ("sum(rate(motcua_worker_offset_rewinds_total[5m]))", "seeks back")],
              unit="ops"),
        panel("Outbox backlog", ["sum by (job) (motcua_outbox_backlog_events)"], legend="{{job}}"),
        panel("Sinks stalled", [("max by (sink) (motcua_sink_stalled)", "{{sink}}"),
                                ("time() - max by (sink) (motcua_sink_last_success_timestamp_seconds)",
                                 "since last write {{sink}}")]),
        panel("Letter deliveries by outcome",
              ["sum by (channel, outcome) (increase(motcua_letter_deliveries_total[1h]))"],
              legend="{{channel}} {{outcome}}"),
        panel("Components up", ['up{job=~"motcua-.*"}'], "stat", legend="{{job}}", w=12, h=8),
    ])


#: Decision 766 groups: (number, Vietnamese name, English name, maximum points)
GROUPS_766 = ((1, "Công khai, minh bạch", "Transparency", 18),
              (2, "Tiến độ giải quyết", "Processing progress", 20),
              (3, "Dịch vụ công trực tuyến", "Online public services", 12),
              (4, "Thanh toán trực tuyến", "Online payment", 10),
              (5, "Mức độ hài lòng", "Satisfaction", 18),
              (6, "Số hóa hồ sơ", "Digitisation", 22))
QUARTER = 'window="quarter_to_date"'


def evaluation_766():
    return dashboard("motcua-766", "motcua · Decision 766 (projected, this quarter)", [
        panel("Province score (of 100)",
              [f'motcua_evaluation766_points{{scope="province", {QUARTER}}}'], "stat", w=6, h=5,
              legend="province", fieldConfig={"defaults": {"max": 100}, "overrides": []}),
        panel("Computable from one-stop data",
              [f'motcua_evaluation766_computable_points{{scope="province", {QUARTER}}}'], "stat",
              w=6, h=5, legend="computable"),
        panel("Score by unit (of 100)", [f'motcua_evaluation766_points{{scope="agency", {QUARTER}}}'],
              "bargauge", w=12, h=10),
        *(panel(f"{n}. {vi} / {en} (max {mx})",
                [(f'motcua_evaluation766_group_points{{group="{n}", {QUARTER}}}',
                  "{{scope}} {{key}}")], "bargauge", w=8, h=8)
          for n, vi, en, mx in GROUPS_766),
    ], tags=("motcua", "766"))


def group_766(n, vi, en, mx):
    def build():
        return dashboard(f"motcua-766-g{n}", f"motcua · 766 group {n}: {vi} / {en}", [
            panel(f"Group {n} points by unit, this quarter (max {mx})",
                  [f'motcua_evaluation766_group_points{{group="{n}", {QUARTER}}}'], "bargauge",
                  w=12, h=10, legend="{{scope}} {{key}}"),
            panel(f"Group {n} points, this month (max {mx})",
                  [f'motcua_evaluation766_group_points{{group="{n}", window="month_to_date"}}'],
                  "bargauge", w=12, h=10, legend="{{scope}} {{key}}"),
            panel(f"Group {n} points over time, last 30 days (max {mx})",
                  [f'motcua_evaluation766_group_points{{group="{n}", window="rolling_30d"}}'],
                  w=24, h=8, legend="{{scope}} {{key}}"),
        ], tags=("motcua", "766"))
    return build


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, build in {"province-overview": province_overview,
                        "agency-compliance": agency_compliance,
                        "apology-compliance": apology_compliance, "four-step": four_step,
                        "pipeline-health": pipeline_health, "evaluation-766": evaluation_766,
                        **{f"evaluation-766-group-{g[0]}": group_766(*g) for g in GROUPS_766}
                        }.items():
        (OUT / f"{name}.json").write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
