"""IMS (1EdTech) QTI interchange: item versions and frozen forms out as QTI 3.0 or 2.1
content packages (:mod:`itembank.io.qti.export`), QTI 3.0 and 2.1/2.2 packages and single
item files in (:mod:`itembank.io.qti.reader`). Built with the standard library's
:mod:`xml.etree.ElementTree`; the names, namespaces and their sources are in
:mod:`itembank.io.qti._xml`.
"""

from itembank.io.qti._xml import VERSIONS

__all__ = ["VERSIONS"]
