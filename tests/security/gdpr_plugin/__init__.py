"""A feature app that only exists in the tests: loyalty cards kept in memory, no models.

It proves the GDPR requests reach an app the platform has never heard of, once it is listed in
INSTALLED_APPS and declares `patient_data` on its AppConfig.
"""
