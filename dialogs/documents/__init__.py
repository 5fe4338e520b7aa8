"""Documents people take away from the bot (the MED document): what they say, in their language.

`layout` is the shape a document is written in, free of any file format; `med_meeting` fills it
from a MedDocument. bot/documents/ writes the shapes as DOCX and PDF.
"""
