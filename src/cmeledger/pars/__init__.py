"""PARS I/O: document codecs (MEMS activity XML, Activity Report learner XML, the draft JSON
shapes, the Excel templates), the web-service client and the local sandbox."""
