def test_world_builds(world):
    assert world.nanxian_home.supervisor == world.nanxian_bureau
    assert world.nanxian_bureau.supervisor == world.yiyang
    assert world.yiyang.supervisor == world.province
