from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_metric():
    return []
