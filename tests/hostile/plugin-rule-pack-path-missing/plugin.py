from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_rule_packs():
    return ['/nonexistent/pack.yaml']
