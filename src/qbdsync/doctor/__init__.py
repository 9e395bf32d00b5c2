"""`qbdsync doctor`: the Web Connector's and QuickBooks' logs read, and the known problems in
them explained from the catalogue (qbdsync.diagnosis). Pure: files in, a report out.

`reading` streams a file's lines in bounded memory, `records` groups them into records,
`finders` names the problems of one record, `analysis` gathers them into findings and
`rendering` says them for people or scripts.
"""
