"""Two pharmacies on one install: each hostname serves its own pages and legal mentions."""


def test_each_hostname_serves_its_own_pharmacy(client_a, client_b, pharmacy_a, pharmacy_b):
    page_a = client_a.get("/").content.decode()
    page_b = client_b.get("/").content.decode()
    assert "Pharmacie A" in page_a and "Pharmacie B" not in page_a
    assert "Pharmacie B" in page_b and "Pharmacie A" not in page_b


def test_legal_page_shows_that_pharmacys_mentions(client_a, client_b, pharmacy_a, pharmacy_b):
    rpps_a = pharmacy_a.pharmacists.get().rpps
    rpps_b = pharmacy_b.pharmacists.get().rpps
    legal_a = client_a.get("/mentions-legales/")
    assert legal_a.status_code == 200
    html = legal_a.content.decode()
    assert rpps_a in html and rpps_b not in html
    assert pharmacy_a.licence_number in html
    assert "Ordre national des pharmaciens" in html
    assert pharmacy_a.health_data_host in html
