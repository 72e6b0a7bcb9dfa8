"""Mobilization (汇聚三社合力): the people of social organisations, posts and shifts, check-in at the
post, hours, activity reports and service-record certificates."""
