import re
from app.connectors import services
from app.extensions import db
from tests import factories
from tests.connectors_pages import helpers
from tests.connectors_pages.shop_api import ShopApi


def test_shots(app, live_server, page):
    shop = ShopApi()
    with app.app_context():
        company = factories.company("Acme Retail")
        user = factories.user(company, role="manager")
        email = user.email
        c = helpers.shop_connector(company.id, shop.url)
        i = helpers.shop_instance(c)
        helpers.flow_using(company.id, i.id)
        s = services.install_connector(company, "shopify")
        s.version = "2020-01"; db.session.commit()
        cid, iid, sid = c.id, i.id, s.id
        db.session.remove()
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/dashboard$"))
    for name, url in [("index", "/connectors/"), ("detail", f"/connectors/{cid}"), ("market", "/marketplace/"),
                      ("mconn", "/marketplace/connectors/shopify"), ("inst_new", f"/connectors/{sid}/instances/new"),
                      ("inst_edit", f"/connectors/instances/{iid}/edit"), ("b_details", f"/connectors/{cid}/builder"),
                      ("b_vars", f"/connectors/{cid}/builder/variables"), ("b_auth", f"/connectors/{cid}/builder/auth"),
                      ("b_method", f"/connectors/{cid}/builder/auth/api-key"),
                      ("b_method_oauth", f"/connectors/{cid}/builder/auth/new?type=oauth2_authorization_code"),
                      ("b_eps", f"/connectors/{cid}/builder/endpoints"), ("b_ep", f"/connectors/{cid}/builder/endpoints/get_order"),
                      ("import", "/connectors/import"), ("blue", "/marketplace/blueprints")]:
        page.goto(live_server + url)
        page.screenshot(path=f"/tmp/shots/{name}.png", full_page=True)
    page.goto(live_server + f"/connectors/{cid}")
    page.click(f"[data-test-instance='{iid}']")
    page.wait_for_selector("[data-test-result]")
    page.wait_for_timeout(500)
    print("DISABLED", page.evaluate("document.querySelector(\"[data-test-instance='%d']\").disabled" % iid),
          page.evaluate("document.querySelector(\"[data-test-instance='%d']\").className" % iid),
          page.evaluate("document.activeElement.outerHTML.slice(0,200)"))
    page.screenshot(path="/tmp/shots/detail_tested.png", full_page=True)
    page.on("dialog", lambda d: d.accept())
    page.click("#instance-%d form button.btn-outline-danger" % iid)
    page.wait_for_selector("#in-use")
    page.screenshot(path="/tmp/shots/detail_inuse.png", full_page=True)
    page.goto(live_server + f"/connectors/{cid}/builder/endpoints/get_order")
    page.fill("#try-form input[name='values-v0']", "1001")
    page.click("#try-send")
    page.wait_for_selector("#try-status")
    page.screenshot(path="/tmp/shots/try.png", full_page=True)
    shop.close()
