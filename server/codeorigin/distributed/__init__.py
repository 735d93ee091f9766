"""The scan on a Ray cluster (`codeorigin scan --ray`): the same paths and `ScanOptions` in, the same
`ScanReport` out as a local scan (`codeorigin.scan.local`), byte for byte in every format.

The driver reads the files and cuts the chunks as a local scan does (`scan.reading`) and hands each
chunk to an actor (`actor`), which makes its file reports with the local scan's own code
(`scan.scoring`); the `scheduler` hands the chunks out, re-queues what failed and puts the reports
back in order; `cluster` is Ray itself (imported inside its functions only: an optional extra),
joining or starting a cluster and shipping the model's files.
"""
