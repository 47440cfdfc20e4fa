"""The build: context, LSOA base, kinds, coverage dissolves, layer cache."""
