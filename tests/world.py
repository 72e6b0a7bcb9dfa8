"""A small piece of the Hunan story, built through the same services the app uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tongxin.accounts.services import create_user
from tongxin.units import services
from tongxin.units.models import Kind, Role, Unit

PASSWORD = "Tongxin#2021"
IN_SERVICE_FROM = dt.date(2021, 1, 1)  # every unit of the world was in service before the story starts


@dataclass
class World:
    province: Unit
    yiyang: Unit
    nanxian_bureau: Unit
    zhangjiajie: Unit
    cili_bureau: Unit
    nanxian_home: Unit
    nanxian_home_2: Unit
    cili_home: Unit
    leshan: Unit
    hunan: object
    nanxian: object
    cili: object
    home_reporter: object
    leshan_staff: object
    sysadmin: object
    secadmin: object
    auditor: object


def bureau(name: str, region: str) -> Unit:
    return services.create_unit(None, name=name, kind=Kind.BUREAU, region_id=region, in_service_from=IN_SERVICE_FROM)


def person(username: str, unit: Unit, role: str, full_name: str = ""):
    user = create_user(None, username=username, password=PASSWORD, full_name=full_name, check_password=False)
    services.grant_role(None, user, unit, role)
    return user


def build_world() -> World:
    province = bureau("湖南省民政厅", "430000")
    yiyang = bureau("益阳市民政局", "430900")
    nanxian_bureau = bureau("南县民政局", "430921")
    zhangjiajie = bureau("张家界市民政局", "430800")
    cili_bureau = bureau("慈利县民政局", "430821")
    nanxian_home = services.create_unit(
        None, name="南县福利院", kind=Kind.ELDERLY_CARE, region_id="430921", beds=120, residents=86, staff=21,
        contact_person="李敏", phone="13807371234", in_service_from=IN_SERVICE_FROM,
    )
    nanxian_home_2 = services.create_unit(None, name="南县南洲镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430921",
                                            in_service_from=IN_SERVICE_FROM)
    cili_home = services.create_unit(None, name="慈利县零阳镇敬老院", kind=Kind.ELDERLY_CARE, region_id="430821",
                                        in_service_from=IN_SERVICE_FROM)
    leshan = services.create_unit(None, name="慈利县乐善社会工作服务中心", kind=Kind.SOCIAL_WORK, region_id="430821",
                                     in_service_from=IN_SERVICE_FROM)
    return World(
        province=province, yiyang=yiyang, nanxian_bureau=nanxian_bureau, zhangjiajie=zhangjiajie,
        cili_bureau=cili_bureau, nanxian_home=nanxian_home, nanxian_home_2=nanxian_home_2, cili_home=cili_home,
        leshan=leshan,
        hunan=person("hunan", province, Role.OFFICER, "省厅值班员"),
        nanxian=person("nanxian", nanxian_bureau, Role.OFFICER, "南县民政局"),
        cili=person("cili", cili_bureau, Role.OFFICER, "慈利县民政局"),
        home_reporter=person("nanxian-home-01", nanxian_home, Role.REPORTER, "南县福利院填报员"),
        leshan_staff=person("leshan", leshan, Role.SOCIAL_STAFF, "乐善社工"),
        sysadmin=person("sysadmin", province, Role.SYSTEM_ADMIN),
        secadmin=person("secadmin", province, Role.SECURITY_ADMIN),
        auditor=person("auditor", province, Role.AUDITOR),
    )
