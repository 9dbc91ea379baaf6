"""The words of present danger the emergency rules look for (bot/components/emergency_rules.py).

Each pattern names one emergency intent. A clause is read with typing noise
removed (`emergency_rules.rule_text`); pinyin typed with spaces ("zhao huo le")
is also read with the spaces taken out, against `PINYIN_PATTERNS`. A danger word
right after a denial (没有煤气味, 不是着火) or in a clause that puts it in the past,
in a question about what to do, in a hypothesis or in a figure of speech
(`NOT_NOW`) does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DangerPattern:
    """Words that mean a given emergency is happening."""

    intent: str
    pattern: re.Pattern[str]


def _p(intent: str, regex: str) -> DangerPattern:
    return DangerPattern(intent, re.compile(regex))


# English fire words that name equipment, not a fire: fire door, fire extinguisher.
_NOT_A_FIRE = r"(?! ?(door|extinguisher|exit|escape|drill|alarm|hydrant|safety|station|fighter))"
_GAS = r"(煤气|煤汽|天然气|天燃气|燃气|液化气|气罐|gas|meiqi|ranqi|tianranqi|ran气|mei气|煤qi|燃qi)"
DANGER_PATTERNS: tuple[DangerPattern, ...] = (
    _p(
        "emergency_gas_leak",
        rf"{_GAS}(的)?(味|臭)|(闻到|好大|一股|好浓|好冲).{{0,6}}{_GAS}|臭鸡蛋(的)?味|"
        rf"{_GAS} ?(smell|味道)|smell(s|ing)?.{{0,8}}{_GAS}|"
        rf"{_GAS}.{{0,10}}(泄漏|泄露|漏了|漏气|破了|断了|裂|冒气|跑气|气味|味道|怪味|嘶嘶)|"
        rf"(怪味|味道|气味).{{0,6}}{_GAS}|"
        r"漏气|(燃气|煤气)?(?<!烟)(?<!烟雾)(?<!烟感)报警器.{0,4}(响|叫|滴滴|嘀嘀)|"
        # 闻到怪味，像天然气 / 燃气表在转，灶是关起的 / 气罐在漏
        rf"(怪味|味道|气味|臭).{{0,8}}像.{{0,2}}{_GAS}|{_GAS}.{{0,4}}(leak|在漏)|"
        r"(燃气表|气表).{0,4}(在)?(转|走).{0,8}(关|没开|没用)|(灶|阀门).{0,4}关(着|起|了).{0,8}(燃气表|气表).{0,4}(在)?(转|走)|(灶|阀门|开关).{0,4}关(着|起|了).{0,8}(闻|味|臭)|"
        r"(灶|燃气|阀门|管子).{0,8}嘶嘶|"
        # the gas itself said to leak out: 是不是气漏出来了, 气在往外漏
        r"(?<![空暖])气(在)?(往外)?漏(出来|出去|了)",
    ),
    _p(
        "emergency_electric_water",
        r"(插座|插线板|电线|电闸|配电|电表箱|电箱|开关|电灯|灯泡|浴霸|电器|灯箱|吸顶灯|电源).{0,8}"
        r"(进水|泡|淹|打湿|湿透|滴水|水里|水头|水坑|冒火花|漏电)|"
        r"(水|淹|漏|滴).{0,10}(漏电|冒火花|电线|插座|开关|配电|电表箱|电灯|灯上|灯泡|浴霸|吸顶灯|灯箱|灯里)|"
        r"(水|淹|漏|滴).{1,10}(电表|电箱|插头|插线板|灯座|吊灯|充电桩)|"
        r"(电表|电箱|吊灯|灯座|充电桩).{0,6}(滴水|渗水|进水|泡在水)|漏电|"
        # 电缆泡在水坑里 / 插排还通着电 / 水里带电 / 电线掉到水里
        r"(电缆|电线|插排|插板|电源线).{0,6}(泡|掉|落|垂|浸).{0,4}(水|淹)|"
        r"(淹|水).{0,12}(插排|插板).{0,6}(通|有|带)(着)?电|(?<![停没来])(水|积水|水管|水龙头)(里|上)?.{0,4}(有电|带电|麻人|麻手|电人)|"
        # live wires down or sparking: 电线掉在地上还在打火花, 电线断了垂下来带电
        r"(电线|电缆|高压线).{0,8}(掉|断|垂|落|拖).{0,8}(地|路|下来|街|水)|(打|冒|闪)(火花|电火花)|"
        r"(电线|电缆|电箱|电表|插座).{0,6}(带电|打火|冒烟|烧起)"
        # a shock from wet fittings: 摸水龙头遭电打了, 手碰到花洒麻了一下; a flooded lift shaft
        r"|(水龙头|花洒|热水器|水管|淋浴|洗澡|洗衣机|水里|水).{0,10}(麻(了|人|手)|遭电|被电|电(打|到|击)|触电)|"
        r"(遭|被)电(打|击|到)了|电梯井.{0,4}(进水|淹|灌水)|"
        # a shock felt: 遭电麻了一下, 摸了一下还有点麻手, 脚发麻应该是漏电
        r"(遭|被)?电麻|(摸|碰|靠|踩).{0,6}(麻手|麻了|发麻)|electric shock|electrocut",
    ),
    _p(
        "emergency_fire",
        r"着火|着伙|起火|失火|火灾|烧起来|燃起来|冒(黑)?烟|火(势|好大|很大)|浓烟|"
        r"(满|到处|好大|好浓|全)(楼|屋)?(都)?(是)?(的)?烟|"
        # 车在燃，烟好大 / 电线冒火了 / 火扑不灭 / 烟雾报警器在响 / pinyin and English
        r"(?<![油])烟(好|很|太|非常)(大|浓|呛)|(?<!现)(在|正在)(燃|烧)(?![气烧水饭菜垃纸香秸落树叶烤过])|明火|冒(火苗|火星)|"
        r"(电线|插座|插排|电器|电箱|电表|车|机器|屋|楼|窗|灶|锅).{0,4}冒火|"
        r"火(苗|光|焰).{0,2}(窜|蹿|好高|老高|冒出来)|"
        r"火.{0,2}(扑|灭|浇)不(灭|熄|住)|烟(雾)?(感|报警器).{0,4}(响|叫)|"
        r"zhao火|zhaohuo|着huo|起huo|qihuo|烧(着|到)(了)?(房|屋|楼|窗帘|沙发|床|电线|车)|"
        # English: on fire, caught fire, a fire, fire!, but not fire doors, extinguishers or praise
        rf"on fire|catch(es|ing)? fire|caught fire|(a|big|the|house|kitchen) fire{_NOT_A_FIRE}|"
        rf"(?<![a-z])fire{_NOT_A_FIRE}(?=[!！]|[^a-z ]|$)(?<!是fire)|"
        # a fire that spreads, smoke said in dialect: 越烧越大, 火烧过来了, 烟子好大
        r"越烧越(大|旺|凶)|火.{0,3}(越来越大|蔓延|烧过来|窜过来)|烟子.{0,2}(好|很|太|大|浓|呛|冒)"
        # 配电房在冒火, 燃气灶那里蹿火
        r"|(房|间|室|箱|柜|线|车|机|灶|锅|炉).{0,3}冒火(?!车)|(蹿|窜)(火|起火)|"
        # the fire itself moving or coming out: 火都窜到草堆上了, 灯箱里冒出火来, 线着起了
        r"火.{0,3}(窜|蹿|烧)到|冒出(火|火苗|火星|烟)来?|(?<![迟早要快])着起了|着活了",
    ),
    _p(
        "emergency_trapped",
        r"(困|关|卡|锁)(住|了)(个|几个|好几个)?(人|老人|小孩|娃儿)|被困(?!难|惑|扰|境)|困人|困梯|"
        r"(困|关|卡|锁)在(电梯|里面|里头|屋|车)|"
        r"电梯.{0,12}(里面|里头)(有人|还有|关|有个)|(我|人|娃儿|小孩).{0,3}在(电梯)?里面|"
        r"出不来(?!水)|出不去|掉进.{0,3}(井|坑)|电梯(关|困)(了)?(个)?人|关在电.梯|"
        r"^(里面|里头)(还)?有(人|个|我|小孩|娃儿|老人)|头卡在|"
        # 电梯里有人，门打不开 / 电梯困了个外卖小哥 / 娃儿锁在车里 / 被水围住了
        r"(电|dian) ?(梯|提|ti|t).{0,4}(里|里面|里头)(有人|有个人|有娃儿|有老人|有小孩)"
        r"(?!.{0,4}(抽|吸|贴|尿|吐|丢|扔|画|吵|骂))|"
        r"(电|dian) ?(梯|提|ti|t).{0,2}(困|关|卡)(了|住)?(个|一个|几个)|"
        r"(人|我|娃儿|小孩|孩子|老人)(被)?(关|困|锁|卡)在.{0,3}(电提|电t|车|厕所|卫生间|阳台|屋头|房间)|"
        r"(被|遭)(水|洪水|大水)(围|困|冲)|水.{0,6}(淹到|漫到).{0,3}(腰|胸|脖子|二楼|床)|困在水|"
        # 困在了电梯里 / 宝宝反锁在车里 / 老人关在家里出不来 / bei困, kun在dian梯, 电ti里有人
        r"(困|关|卡|锁)在了|(被|bei) ?(困|kun)(?!难|惑|扰|境|乏|倦)|困(在)?(电|dian) ?(梯|提|ti)|"
        r"(kun|guan)在(电|dian) ?(梯|提|ti)|"
        r"(人|我|我们|娃儿|娃娃|小孩|孩子|宝宝|老人|婆婆|爷爷|奶奶)(被)?(反锁|关|困|锁|卡)在.{0,3}"
        r"(家里|屋里|屋头|里面|里头|车里|车上|楼顶|天台|井里|坑里|地下室|电梯)|"
        r"反锁在(?!门外|外面).{0,3}(屋|房|厕所|卫生间|家|里面|里头|车)"
        # 关人了, and water that puts people in danger: 水到大腿了还在涨, 老人走不动,
        # 被水冲走, 公交车陷在水里车上还有人
        r"|(关|困)人(了|啦|咯)|水.{0,6}(到|淹到|漫到|没过|齐)(了)?.{0,3}(小腿|大腿|膝盖|腰|胸|脖子|脚背)|"
        r"(淹|进水|灌|涨水|洪水|漫).{0,16}(走不动|跑不动|出不来|没出来|动不了)|(被|遭)?(水|洪水)?冲(走|倒)(了)|"
        r"(陷|困|淹)在(里面|水里|水中).{0,6}(还有人|有人)|"
        # English and a stopped lift with someone inside: stuck in the elevator, lift stuck,
        # 电梯卡在半中间了他在里面, 门打不开她在里面, 里头就我一个
        r"(stuck|trapped) in (the |an |a )?(lift|elevator)|(lift|elevator) ?(is )?stuck|trapped|"
        r"电梯.{0,16}(卡|停|不动).{0,16}(在里面|在里头|里面有|里头有|里头就|里面就)|"
        r"(卡|停)在.{0,6}(中间|楼层|半中间|半空).{0,12}(里面|里头|人|喊)|"
        r"打不开.{0,10}(在里面|在里头)|(里头|里面)就我",
    ),
    _p(
        "emergency_medical",
        r"晕倒|昏倒|昏迷|不省人事|叫不醒|没(有)?呼吸|(人|他|她|老人|娃儿|孩子).{0,4}没(得|有)?气了|"
        r"抽搐|抽起来|大出血|血流不止|血止不住|(在|好多)流血|流(了)?好多血|受伤|摔伤|触电|"
        r"晕过去|孕倒|救护车|喘不过气|口吐白沫|(?<![睛脚腿体力性])不行了|说不出话|"
        r"(摔|倒|滚|掉).{0,8}(起不来|站不起来|动不了|不动了|流血)|倒在(地|厕所|门口|屋)|"
        r"心脏病(犯|发)|中风|割腕|喝(了)?农药|服毒|"
        r"(爷|婆|爸|妈|公|老汉儿?).{0,2}没(得|有)?气了|喊(他|她)?(都)?不(应|答应)|叫不应|没(有)?反应了|"
        r"(头|额头|脑壳|脸)上.{0,3}血|血流(个)?不停|嘴唇.{0,2}(紫|乌)|(胸口|心口).{0,2}(痛|疼)|"
        r"烫伤|噎住|倒下去了|倒起了|(躺|倒).{0,4}(不动|动不了)|"
        r"(人|娃儿|小孩|孩子|老人|工人|婆婆|爷爷).{0,8}(摔|掉|滚)下来|((人|我|他|她|老人|娃儿|小孩|孩子|爸|妈).{0,2}|^)(被|遭).{0,3}车.{0,2}(撞|挂)|"
        r"晕到|yun倒|昏过去|(叫|打|喊|等)120|120(快|来)|"
        # 晕了 / 人倒了 / 脑壳出血 / 嘴巴歪了 / 溺水 / 吃了好多安眠药 / 吞了电池 / 呼吸困难
        r"^(人)?晕了|(?<![被让叫给帮])(人|他|她|老人|婆婆|爷爷|我爸|我妈|大爷|嬢嬢)(突然|一下|就)?(晕|倒)了|"
        r"(?<![龈鼻])出血|流血|血.{0,2}(一直|在)流|满脸是血|一身血|全是血|"
        r"嘴(巴)?歪|口眼歪|半边.{0,3}(麻|动不了|没知觉)|突然.{0,6}说话.{0,4}(含糊|不清)|说话含含糊糊|"
        r"溺水|落水(?!管)|(人|娃儿|小孩|孩子|老人).{0,6}掉(进|到|下)(了)?(河|江|水|塘|池)|"
        r"(吃|喝|吞)了.{0,3}(好多|一瓶|整瓶|一把|很多|大把).{0,3}药|(吃|喝)了.{0,2}(老鼠药|百草枯|敌敌畏|洗衣液)|"
        r"吞了.{0,3}(电池|纽扣|硬币|钉子|磁铁)|中毒|"
        r"呼吸.{0,2}(困难|不上来|急促)|(气|呼吸)(都)?(喘|出)不(过|上|赢)|上不来气|"
        r"心梗|心肌梗|脑梗|脑溢血|脑出血|休克|癫痫|羊癫疯|发病了|犯病了|"
        r"(摔|跌|滑)(了一跤|倒|了).{0,12}(起不来|站不起来|爬不起来|动不了|(腿|手|骨头).{0,2}断|出血|流血|糊涂|迷糊|喊痛|躺在地)|"
        r"(头|脑壳|脑袋).{0,4}(撞|磕|摔).{0,8}(糊涂|迷糊|不说话|吐|血)|"
        r"突然.{0,8}(不说话|不动了|晕|吐|不认人|没反应|倒下)|"
        r"(人|老人|婆婆|爷爷|大爷|嬢嬢|娃儿|小孩)(晕|倒|躺)在.{0,6}(地上|楼梯|路边|街上|菜市场)|"
        r"人.{0,4}(迷糊|不清醒)|(发烧|高烧).{0,6}(抽|惊厥)|烧到抽筋|"
        # hit or pinned by something falling: 瓷砖掉下来把人头砸破了, 灯杆倒了压到人
        r"(人|头|脑壳|娃儿|小孩|老人|路人).{0,4}(砸|压)(破|伤|到|中|住|倒)|"
        r"压(破|伤|到|中|住)(了)?.{0,2}(人|头|脑壳|娃儿|小孩|老人|路人)|"
        r"被.{0,6}(砸|压)(伤|到|中|住|破)"
        # 喊不醒, 倒在楼道里了, 呼吸好弱, 好多人滑倒了
        r"|(喊|叫|拍|摇)不醒|(人|他|她|老人|老头|婆婆|爷爷|大爷|嬢嬢|娃儿|小孩|醉汉|男的|女的).{0,6}倒在.{0,2}(楼道|马路|路上|路中间|街|楼梯|电梯|地)|呼吸.{0,2}(弱|微弱|没了)|"
        r"(好多|几个|有)人.{0,6}(滑倒|摔倒)了|"
        # a fall that hurt: 连人带车摔进去了伤得不轻, 人掉下去了, 摔到2楼现在躺着不能动,
        # 后脑勺着地人有点昏, need ambulance
        r"伤得(不轻|很重|好重|严重|厉害)|(人|身子|身体|小哥|老人|娃儿|小孩|阿姨|婆婆).{0,6}(摔|掉|跌)(进|下)去了|"
        r"(躺|瘫)(着|在).{0,4}(不能动|动不了|起不来)|不能动了|(后脑勺|头|脑壳).{0,2}着地|人.{0,3}(有点|好)?(昏|晕)(了|乎)|"
        r"ambulance|injur|bleeding|unconscious|骨折|"
        r"(?<![桌椅凳床子])(脚杆|手杆|腿杆|胳膊|骨头)(好像|怕是|可能)?(都)?(摔|跌|撞)?断了|(?<!尖叫)(?<!哭喊)(喊|叫)救命|救命啊",
    ),
    _p(
        "emergency_violence",
        r"砍人|持刀|拿(着)?.{0,2}刀|(在|又在)打(小孩|娃儿|人|他老婆|老婆|老人)|(追|围)着.{0,8}打|扭打|"
        r"在抢|撬.{0,2}门|拿(着)?(棍|棒|钢管).{0,6}(打|追|砸|砍)|动刀|捅(人|了)|打人|打老婆|打架|打起来|打群架|斗殴|家暴|"
        r"抢劫|抢(了|东西)|(在|正在)偷|偷东西|(在|正在)砸|在撬|撬门|翻.{0,4}窗|绑架|跳楼|动手|报警(?!器)|"
        # 威胁要砍我 / fighting with knife / 打老人 / 小偷翻进 / 一直跟着我
        r"(威胁|扬言)(要)?.{0,3}(砍|杀|弄死|打死|捅)|杀人|行凶|(要|想)(杀|砍|捅)(人|我|他|她)|"
        r"knife|fighting|(在|又在)打(我|他|她|孩子|女的|男的)|打老人|被(人)?打(了|伤)|挨打|殴打|揍(人|我|他|她)|"
        r"(小偷|贼|贼娃子).{0,4}(翻|钻|撬|爬|进)|有人.{0,4}(翻|爬|钻|闯)进|踹门|砸门|"
        r"(一直|一路)(跟|尾随)着?我|尾随|猥亵|非礼|性侵|强奸|拐(走|卖)|抢(包|手机)"
        # 威胁说要打断我的腿, 带人来砸我门
        r"|(威胁|扬言).{0,4}(打断|打死|打(我|你|他|她)|弄(死|你|我)|收拾)|砸(我|我家|我们)?门|"
        # people brought to beat someone, chased, pinned down, a lock forced, a cry for help:
        # 叫人打我们, 带了几个人来打我老公, 拿钢管在门口追人, 被按在地上打, 撬他们家的门锁
        r"(叫|喊|带|找)(了)?[^，]{0,6}人[^，]{0,8}打(?!电话|扫|工|针|卡|印|听|车|字)|"
        r"打(我|我们)(老公|老婆|老汉|妈|爸|娃儿)?(?!电话|的电话|们的电话)(了|！|!|，|$)|"
        r"(钢管|棍|棒|刀|扳手|酒瓶).{0,12}(追人|追着|砸人|打人|砍人)|按在地上打|(推搡|扭打|厮打)起来|"
        r"撬.{0,8}(门|锁|窗)|(尖叫|哭喊).{0,6}救命|喊救命|send police|call (the )?police|"
        r"(beating|hitting|attacking|stabbing|robbing|fighting)|"
        # public property taken apart to sell, now: 有人在拆健身器材拿去卖, 正在锯井盖
        r"(在|正在)(拆|偷|割|锯|撬)[^，]{0,12}(卖|拿走|搬走|运走)",
    ),
    _p(
        "emergency_collapse",
        r"(房子|房屋|墙|楼|屋顶|山|吊顶|阳台|楼梯|堡坎|挡墙|围墙|桥).{0,2}(垮|塌)(了|下来)|"
        r"倒塌|坍塌|垮塌|塌方|滑坡|塌陷|地陷|要塌了|"
        r"(天花板|危房|雨棚|水箱).{0,3}(垮|塌)(了|下来)|(挡土墙|围墙|墙).{0,2}倒了|"
        r"(土|泥巴|石头).{0,4}(往下)?(滑|垮)|"
        # 路面塌了个大坑，车陷进去了 / 山在往下垮 / 天花板整块掉下来 / 砸到人
        r"^(垮|塌)了|(路|地|路面|地面).{0,3}(塌|陷)(了|下去)?.{0,3}(大坑|大洞)|车.{0,4}陷(进|下)去|"
        r"(在|正在)(往下)?(垮|塌)|(天花板|吊顶|楼板|预制板|房梁|屋顶).{0,4}(整块|一大块|大块|全部).{0,2}(掉|垮|塌|砸)|"
        r"砸(到|伤|中)(了)?(人|头|脑壳)|泥石流|山体.{0,2}(滑|垮|塌)|(楼|房子).{0,4}(歪|倾斜|斜)了"
        # something about to fall on people, still falling, or people under it:
        # 空调外机要掉下来了下面是人行道, 还在往下掉, 有人被压在下面, 墙裂开了在掉灰一直咔咔响
        r"|(要|快|随时|马上)(要)?(掉|垮|塌|倒)(下来|下去)?.{0,12}(下面|底下|楼下).{0,4}(是|有|全是)?(人|行人|人行道|路)|"
        r"还在(往下)?掉|一直在掉(砖|石|灰|渣|瓷砖)|被压在(下面|底下|里面)|压到.{0,8}(还有人|有人)|"
        r"(墙|楼|房|梁).{0,6}裂(开|了).{0,10}(咔咔|在掉|还在|继续)|(继续|还在)(开)?裂|"
        r"掉下去了.{0,12}(下面|底下).{0,4}人|(掉|落)下来.{0,10}(随时|还有).{0,8}(要掉|松)|"
        # a ceiling, road or wall giving way now: 吊顶整个塌下来了, 路面塌了, 人行道陷下去一大块,
        # 堡坎collapse了, 裂缝一直在变大
        r"(整个|整块|一大块|一半|半边)(都)?(塌|垮)(下来|了)|(塌|垮)下来了|"
        r"(路面|马路|人行道|地面|路基|桥面).{0,3}(塌|陷)(了|下去|下来)(?!(一)?个(小)?坑)|陷下去(一大块|一大片|好大)|"
        r"collaps|about to fall|裂缝.{0,4}(一直|还)在(变大|扩大|变宽|裂开)",
    ),
)

# Words just before a danger word that deny it: 没有煤气味, 不是着火, 没人被困; a bare
# 不 only right before it (打不着火), not a few characters earlier (关不到，火越来越大).
NEGATION_BEFORE = re.compile(
    r"(没有|没得|没|莫得|(?<!是)不是|不像|并非|无|未|别)[^，。,.!！?？]{0,3}$|不$|"
    # English: no fire, not on fire, without any injury
    r"(?<![a-z])(no|not|without|never|isn't|wasn't|no one|nobody)( [a-z]+)?( )?$"
)
# Phrases anywhere in the clause that put the danger in the past or rule it out.
NOT_NOW = re.compile(
    r"上次|上回|以前|之前|去年|前几天|前些天|早就|已经(灭|修好|好了|处理|没(事|得事|了))|"
    r"没(有)?人(被)?(困|关|受伤)|没人在里面|里面(是)?空的|人都出来了|火(已经)?灭了|"
    # checked and ruled out, or not smelled at all: 说没漏气, 闻不到味道
    r"没(有|得)?漏气|不漏气|闻不到|没(有|得)?闻到|"
    # recovering or long past, help asked for: 摔伤了在养, 中风以后生活不能自理, 申请补贴
    r"在养|养伤|养着|(现在|已经)(好|没事)了|以后生活|后遗症|申请|补贴|好几个月|好几年|"
    r"(失火|着火|起火|火灾)(以)?后|"
    # hypothetical: 等房子垮了再来, 万一着火
    r"等.{0,4}(垮|塌|出事)了再|万一|要是|如果|假如|"
    # worry, prevention and safety talk: 担心会着火, 火灾隐患, 消防演练, 防溺水宣传
    r"怕.{0,4}(着|起|失|出|垮|塌|砸|漏|触)|迟早|将来|"
    # a past event talked about, a question about what to do, a test or a figure of speech:
    # 那天路面塌陷的坑, 上个礼拜电梯关人那个事, 遇到家暴应该找哪个, 气得冒烟, 热得要晕倒了
    r"那天|那次|那回|上个(月|礼拜|星期|周)|前天|过去了|那个事|做梦|梦到|测试一下|点个赞|评价|"
    r"应该(打|找|报)|找哪个|是报|以后再|能找你|找你不|建议|(热|气|吃|笑|急)得|"
    r"钥匙.{0,3}(锁|关)在|差点|差一点|险些|怕(会|掉|垮|塌|砸|着|出)|担心|害怕会|会不会|容易|小心|注意|防止|预防|隐患|演练|培训|宣传|知识|讲座|以防|"
    # long past, said with a count or a week: 三天前的事了, 上周就报过, 前两天闻到过
    r"[0-9一二两三四五六七八九十几]+(天|个月|年|周|个星期|个礼拜)(以)?前|的事了|上周|上礼拜|上星期|前两天|前几年|"
    r"(就|已经)?报过|(已经|都)?(修好|换好|和好|救出来)了|"
    # which number to call, a hypothesis that it really happens: 着火打119还是110,
    # 真着火了拿什么灭, 等着烧起来是不是, 比如有人受伤
    r"(打|是)(119|110|120|96777)?还是|先打|打(什么|啥子|哪个)电话|真(的)?(要)?(着|烧|起|出事|垮|塌)|"
    r"等着.{0,3}(烧|着|垮|塌|出事)|比如|for example|"
    # a figure of speech: 我要杀人了 after 逼疯了
    r"逼疯|烦死|吵死|气死|(我|老子)(都)?(要|想)(杀|砍)人"
)

# Said once anywhere in a message, these take it all out of the present: a joke
# (说着玩的), or a question of what one should do if it happened (万一着火了是打119还是?).
NOT_NOW_MESSAGE = re.compile(
    r"说着玩|开玩笑|开个玩笑|逗你|打错(字)?了|"
    r"(万一|要是|如果|假如|比如|遇到|if ).{0,24}"
    r"(应该|该(咋|怎|找|打)|是打|还是|找哪|打(什么|啥子|哪个)|先打|往哪)"
)
# Said later in a message, these close what came before: 打碎的玻璃 after 今天已经和好了,
# 插座换了现在没危险了.
RESOLVED_AFTER = re.compile(
    r"已经和好|和好了|没(有)?危险了|没得危险了|(人|都)(是|已经)?救出来了|已经灭了|火灭了|出院"
)
# A danger word with a denial inside the match: 燃气没味道, 插座没有冒烟
DENIED_INSIDE = re.compile(r"没有|没得|莫得|没(?![开用过气呼反人])|不是|并非")
# A danger word marked as an experience (晕倒过一次, 闻到过): not now.
EXPERIENCED = re.compile(r"^过(?![来去头])")


# Pinyin typed with spaces, read with the spaces taken out: "zhao huo le", "rq xie lou".
PINYIN_PATTERNS: tuple[DangerPattern, ...] = (
    _p(
        "emergency_gas_leak",
        r"(ranqi|rq|meiqi|tianranqi|yehuaqi).{0,4}(xielou|xielu|louqi|lou|wei)",
    ),
    _p("emergency_electric_water", r"loudian|(dian|deng|chazuo).{0,6}(jinshui|maohuohua)"),
    _p("emergency_fire", r"zhaohuo|qihuo|shihuo|huozai|maoyan|maohuo|shaoqilai"),
    _p(
        "emergency_trapped",
        r"(dianti|diant).{0,6}(guan|kun|ka)(ren|zhu|le)|guanren|kunren|beikun|kunzai",
    ),
    _p(
        "emergency_medical",
        r"yundao|hundao|hunmi|jiubuxing|jiaobuxing|huxi|shoushang|liuxue|jiuhuche|chongdao|chongzou",
    ),
    _p("emergency_violence", r"qiaomen|dajia|daren|kanren|chidao|qiangjie|jiabao"),
    _p("emergency_collapse", r"(ta|kua)le|taxian|kuata|daota"),
)
# The same denials and not-now words, typed in pinyin: "mei you zhao huo", "na ci".
PINYIN_NEGATION_BEFORE = re.compile(r"(meiyou|meide|bushi|mei|bu)$")
PINYIN_NOT_NOW = re.compile(r"dashenme|zenmeban|zhaoshui|naci|natian|shangci|xiexie|dacuo")
