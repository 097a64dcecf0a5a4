from pharmacies import extensions


class LoyaltyConfig(extensions.PluggableAppConfig):
    name = "tests.security.gdpr_plugin"
    label = "gdpr_plugin"
    patient_data = "tests.security.gdpr_plugin.gdpr.LoyaltyCardData"
