from kpi_advisor import hookimpl


def boom(m):
    raise ZeroDivisionError('oops')

@hookimpl
def kpi_advisor_metrics():
    return [{'id': 'weird', 'polars': boom, 'requires': ['clicks'], 'stage': 'interest', 'unit': 'ratio'}]
