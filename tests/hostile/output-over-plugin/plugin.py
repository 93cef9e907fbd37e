from kpi_advisor import hookimpl

