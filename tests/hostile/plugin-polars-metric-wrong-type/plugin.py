from kpi_advisor import hookimpl


@hookimpl
def kpi_advisor_metrics():
    return [{'id': 'weird', 'polars': lambda m: 42, 'requires': ['clicks'], 'stage': 'interest', 'unit': 'ratio'}]
