"""Reading owners' files into canonical tables, the bundled samples, and the DuckDB workspace."""

from smbcore.data.contracts import TABLES, table_spec
from smbcore.data.loading import LoadResult, read_table
from smbcore.data.mapping import detect_preset, guess_mapping, guess_table
from smbcore.data.reading import RawFile, read_raw
from smbcore.data.readonly import ReadOnlyWorkspace, SampleChangeError, SampleView
from smbcore.data.samples import SAMPLES, load_sample, sample_view, sample_workspace, samples_with
from smbcore.data.workspace import Workspace, content_version, default_home

__all__ = [
    "TABLES",
    "table_spec",
    "LoadResult",
    "read_table",
    "read_raw",
    "RawFile",
    "guess_mapping",
    "guess_table",
    "detect_preset",
    "SAMPLES",
    "load_sample",
    "sample_workspace",
    "sample_view",
    "SampleView",
    "ReadOnlyWorkspace",
    "SampleChangeError",
    "samples_with",
    "Workspace",
    "content_version",
    "default_home",
]
